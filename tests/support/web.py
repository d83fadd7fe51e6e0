"""Helpers for the web UI tests: a private copy of the seed article with a real index built from it,
and the app served in-process on a free loopback port, or by `python app.py` in a child process.
Nothing is written into the repo."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from askbrief import Settings, build_index
from askbrief.web.backend import free_port, serving  # noqa: F401  (re-exported for tests)
from support.common import ROOT, SEEDS, CountingEmbedder


@dataclass
class LiveApp:
    url: str
    settings: Settings
    app: Any  # the gradio Blocks


def seeded_settings(root: Path, embedder: CountingEmbedder) -> Settings:
    """A copy of the seed article under `root` and a freshly built index beside it."""
    articles = root / "articles"
    shutil.copytree(SEEDS, articles)
    settings = Settings.load(articles_dir=articles, index_dir=root / "index")
    build_index(settings, embedder)
    return settings


def serve(app: Any) -> contextlib.AbstractContextManager[str]:
    """launch() without blocking; the server is closed however the test ends."""
    return serving(app)


@contextlib.contextmanager
def seeded_live_app(root: Path, embedder: CountingEmbedder) -> Iterator[LiveApp]:
    """The UI over a fresh copy of the seed article under `root`, served until the block ends."""
    from askbrief.web.blocks import make_app

    settings = seeded_settings(root, embedder)
    app = make_app(settings=settings, embedder=embedder)
    with serve(app) as url:
        yield LiveApp(url, settings, app)


@contextlib.contextmanager
def app_py(
    settings: Settings, log: Path, timeout: float = 240, extra: Sequence[str] = ()
) -> Iterator[str]:
    """`python app.py` over `settings` (plus `extra` options) in a child process, its stdout
    and stderr both written to `log` (what a user sees on the console); yields its URL once it
    serves, and stops it however the block ends."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKBRIEF_")}
    env |= {"HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    args = ["--port", str(port), "--articles", str(settings.articles_dir)]
    args += ["--index", str(settings.location.path), *extra]
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), *args],
            cwd=log.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout
        while "serving" not in log.read_text(encoding="utf-8"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("app.py did not start:\n" + log.read_text(encoding="utf-8"))
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def ask_in_chat(url: str, question: str) -> list[dict[str, Any]]:
    """Ask in a new chat as the page does (the question box's submit event, through the
    queue); returns the chat's messages once the answer is in."""
    with urllib.request.urlopen(f"{url}config", timeout=30) as resp:
        config = json.load(resp)
    box = next(
        c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "ab-question"
    )
    event = next(d for d in config["dependencies"] if [box, "submit"] in d["targets"])
    session = uuid.uuid4().hex
    # what the page sends: the question, the session's turns, and the (empty) date range
    body = {"data": [question, None, "", ""], "fn_index": event["id"], "trigger_id": box}
    request = urllib.request.Request(
        f"{url}gradio_api/queue/join",
        json.dumps(body | {"session_hash": session, "event_data": None}).encode(),
        {"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).close()
    with urllib.request.urlopen(
        f"{url}gradio_api/queue/data?session_hash={session}", timeout=60
    ) as r:
        for raw in r:
            line = raw.decode().strip()
            message = json.loads(line.removeprefix("data:")) if line.startswith("data:") else {}
            if message.get("msg") == "process_completed":
                assert message["success"], message
                chat = message["output"]["data"][0]
                return [
                    {"role": m["role"], "content": "".join(c.get("text", "") for c in m["content"])}
                    for m in chat
                ]
    raise AssertionError("the chat never answered")
