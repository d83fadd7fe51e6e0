"""`as_of` reaches the web UI and its HTTP API: `python app.py --as-of DATE` makes DATE the
day a question's time words count from, /ask takes its own `as_of` (YYYY-MM-DD) as an
optional second value, and a bad one is a one-line error in the JSON the caller reads. A
real `python app.py` in a child process over a real index, called over plain HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.common import CountingEmbedder
from support.dated import FLOOD_REPORTS, THIS_WEEK

from askbrief import Settings, build_index
from askbrief.web.backend import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Iterator[str]:
    """app.py --as-of 2024-02-09 over the two flood reports (the newest: 2024-02-16)."""
    root = tmp_path_factory.mktemp("asof")
    (root / "articles").mkdir()
    lines = "".join(json.dumps(a) + "\n" for a in FLOOD_REPORTS)
    (root / "articles" / "wire.jsonl").write_text(lines, encoding="utf-8")
    settings = Settings.load(articles_dir=root / "articles", index_dir=root / "index")
    build_index(settings, embedder)
    port, log = free_port(), root / "console.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKBRIEF_")}
    args = ["--port", str(port), "--articles", str(root / "articles")]
    args += ["--index", str(root / "index"), "--as-of", "2024-02-09"]
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), *args],
            cwd=root,
            env=env | {"HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 240
        while "serving" not in log.read_text(encoding="utf-8"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("app.py did not start:\n" + log.read_text(encoding="utf-8"))
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "Traceback" not in log.read_text(encoding="utf-8")


def call(url: str, api_name: str, data: list[Any]) -> tuple[str, Any]:
    """Gradio's plain HTTP API: POST the values, read the event stream; (event, payload)."""
    body = json.dumps({"data": data}).encode()
    request = urllib.request.Request(
        f"{url}gradio_api/call/{api_name}", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        event_id = json.load(resp)["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/{api_name}/{event_id}", timeout=120) as r:
        lines = r.read().decode().splitlines()
    event = next(line.removeprefix("event: ") for line in lines if line.startswith("event: "))
    data_line = next(line.removeprefix("data: ") for line in lines if line.startswith("data: "))
    payload = json.loads(data_line)
    return event, payload[0] if event == "complete" else payload


def quoted(answer: dict[str, Any]) -> set[str]:
    return {q["article_id"] for q in answer["quotes"]}


def test_the_apps_as_of_is_the_default(url: str) -> None:
    """The question alone, as /ask's callers send it: "this week" is the week of --as-of."""
    event, answer = call(url, "ask", [THIS_WEEK])
    assert event == "complete", answer
    assert (answer["window"]["from"], answer["window"]["to"]) == ("2024-02-05", "2024-02-09")
    assert answer["answered"] and quoted(answer) == {"flood-1"}


def test_ask_takes_its_own_as_of(url: str) -> None:
    event, answer = call(url, "ask", [THIS_WEEK, "2024-02-16"])
    assert event == "complete", answer
    assert (answer["window"]["from"], answer["window"]["to"]) == ("2024-02-12", "2024-02-16")
    assert answer["answered"] and quoted(answer) == {"flood-2"}
    # the other endpoints take it last, as well
    event, between = call(url, "ask_between", [THIS_WEEK, "", "", "2024-02-16"])
    assert event == "complete" and quoted(between) == {"flood-2"}
    event, followup = call(url, "ask_followup", [THIS_WEEK, [], "2024-02-16"])
    assert event == "complete" and quoted(followup) == {"flood-2"}


@pytest.mark.parametrize("bad", ["2024-02-30", "yesterday", "16 Feb 2024"])
def test_a_bad_as_of_is_a_one_line_error(url: str, bad: str) -> None:
    event, payload = call(url, "ask", [THIS_WEEK, bad])
    assert event == "error"
    assert payload["error"] == f"as_of {bad!r} is not a date; use YYYY-MM-DD, e.g. 2026-03-01"
    event, payload = call(url, "ask", [THIS_WEEK, 20240216])
    assert event == "error" and payload["error"] == (
        "as_of is 20240216 (int); give a date as YYYY-MM-DD"
    )
