"""A small collection as a new user makes one: the seed article and short articles about
different towns and events (tests/data/towns). Questions the articles answer get the
answer in quote [1]; questions on their topics they do not answer, and questions naming
one town's officials asked of another, are refused, saying why.

Here, what needs a server, a child process or a slow build; the rest:
tests/index/test_small_collection.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "askbrief", "query", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )


def test_a_date_window_with_nothing_that_answers_is_refused(towns_dir: Path) -> None:
    """Since 2026-12-01 only the festival article (and the undated seed) are in: the port's
    container figure is outside, so the answer is a refusal saying the dates held nothing,
    not a quote from the festival."""
    done = _cli(
        "--index",
        str(towns_dir),
        "--since",
        "2026-12-01",
        "--json",
        "How many containers did Kestrel Bay handle?",
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert not got["answered"] and got["reason"] == "outside-window"
    assert got["window"]["from"] == "2026-12-01"
    inside = json.loads(
        _cli(
            "--index", str(towns_dir), "--json", "How many containers did Kestrel Bay handle?"
        ).stdout
    )
    assert "1.2 million containers" in inside["quotes"][0]["text"]
