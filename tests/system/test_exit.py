"""Every error path of the CLI exits with status 1, every time: never an abort (134) or a
segfault (139) from the model still loading in a background thread at interpreter exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.common import SEEDS

RUNS = 8  # the race lost about one run in two on a busy two-core machine before the fix


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1"}


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from askbrief import Settings, build_index

    folder = tmp_path_factory.mktemp("exit") / "idx"
    build_index(Settings.load(articles_dir=SEEDS, index_dir=folder))
    return folder


@pytest.mark.parametrize(
    "args",
    [
        [""],
        ["   "],
        ["x" * 10_001],
        ["--since", "2026-12-01", "--until", "2026-01-01", "What happened?"],
    ],
    ids=["empty", "blank", "overlong", "backwards-dates"],
)
def test_cli_error_exits_1_every_time(seed_index: Path, args: list[str]) -> None:
    cli = [sys.executable, "-m", "askbrief", "query", "--index", str(seed_index)]
    for _ in range(RUNS):
        done = subprocess.run(cli + args, capture_output=True, text=True, env=_env(), timeout=120)
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1, done.stderr


def test_exit_while_model_loads_is_clean(seed_index: Path) -> None:
    """An error raised just after the index opened (the model loading beside it) still
    exits 1: the load finishes before the interpreter tears ONNX Runtime down."""
    script = (
        "import sys, askbrief\n"
        f"askbrief.open_index({str(seed_index)!r})\n"
        "sys.exit('error: stopped on purpose')\n"
    )
    for _ in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=_env(), timeout=120
        )
        assert done.returncode == 1, done.stderr
        assert done.stderr == "error: stopped on purpose\n"
