"""One way in: `python app.py` runs the `askbrief ui` command itself, so both take the same
click options as every other command, and both refuse a bad setting in one line, with a
non-zero exit and no traceback, before the model loads or anything is written. Child
processes, as a user starts them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASKBRIEF = Path(sys.executable).parent / "askbrief"
APP = [sys.executable, str(ROOT / "app.py")]
UI = [str(ASKBRIEF), "ui"]
# The options the README and docs/ui.md give app.py, and the new one.
DOCUMENTED = ["--host", "--port", "--articles", "--index", "--store", "--users", "--read-only"]


def run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ASKBRIEF_")}
    return subprocess.run(
        cmd,
        cwd=cwd,
        env=clean | {"HF_HUB_OFFLINE": "1"} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_app_py_and_askbrief_ui_show_the_same_options(tmp_path: Path) -> None:
    app, ui = run([*APP, "--help"], tmp_path), run([*UI, "--help"], tmp_path)
    assert app.returncode == ui.returncode == 0, app.stderr + ui.stderr
    assert app.stdout.startswith("Usage: python app.py [OPTIONS]\n")
    assert ui.stdout.startswith("Usage: askbrief ui [OPTIONS]\n")
    # everything after the usage line is the same text
    assert app.stdout.split("\n", 1)[1] == ui.stdout.split("\n", 1)[1]
    words = " ".join(app.stdout.split())
    for option in [*DOCUMENTED, "--as-of DATE"]:
        assert option in words, option
    # the store options are the ones every command declares (cli/options.py)
    query = " ".join(run([str(ASKBRIEF), "query", "--help"], tmp_path).stdout.split())
    for option in ("--store URI", "--index PATH"):
        found = re.search(re.escape(option) + r" .*?\]\.", query)
        assert found is not None and found.group() in words, option


@pytest.mark.parametrize("cmd", [APP, UI], ids=["app.py", "askbrief ui"])
@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        ([], {"ASKBRIEF_MAX_QUOTES": "0"}, "Error: ASKBRIEF_MAX_QUOTES='0' is out of range"),
        ([], {"ASKBRIEF_TOP_K": "ten"}, "Error: ASKBRIEF_TOP_K='ten' is not a whole number"),
        ([], {"ASKBRIEF_STORE": "ftp://x"}, "Error: ASKBRIEF_STORE='ftp://x': unsupported"),
        ([], {"ASKBRIEF_PORT": "http"}, "Error: ASKBRIEF_PORT='http' is not a port number"),
        (["--as-of", "2024-02-30"], {}, "Error: --as-of '2024-02-30' is not a date; use"),
        ([], {"ASKBRIEF_AS_OF": "today"}, "Error: ASKBRIEF_AS_OF='today' is not a date"),
        (["--store", "http://"], {}, "Error: --store 'http://': no host"),
    ],
)
def test_a_bad_setting_stops_the_launcher_in_one_line(
    tmp_path: Path, cmd: list[str], args: list[str], env: dict[str, str], said: str
) -> None:
    start = time.monotonic()
    done = run([*cmd, *args], tmp_path, **env)
    assert done.returncode == 1, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(said), done.stderr
    assert time.monotonic() - start < 30  # refused at once, not after loading the model
    assert list(tmp_path.iterdir()) == []  # no index built, nothing written
