"""Helpers for the web UI tests: a private copy of the seed article with a real index built from it,
and the app served in-process on a free loopback port, or by `python app.py` in a child process.
Nothing is written into the repo."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import ROOT, SEEDS, CountingEmbedder

from askbrief import Settings, build_index
from askbrief.ui import free_port, serving  # noqa: F401  (re-exported for tests)


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
    from askbrief.ui import make_app

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
    args += ["--index", str(settings.index_dir), *extra]
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
