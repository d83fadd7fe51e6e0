"""`askbrief watch` and watch_folder as a user meets them: the real model, real indexes in tmp
folders, real file-system events. A burst of files is a few builds, not one per file; edits,
deletions and folders moved in or out are caught; what a build never reads triggers none;
a failed build does not end the watch; readers move to each new index by themselves; the CLI
stops on SIGINT or SIGTERM with exit 0 and no traceback.

Here, what needs no model and no index; the rest: tests/system/test_watch.py."""

from __future__ import annotations

from pathlib import Path

from support.common import ROOT


def test_cli_usage_errors_are_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from askbrief.cli.main import cli

    runner = CliRunner()
    env = {"HF_HUB_OFFLINE": "1"}
    every = runner.invoke(cli, ["watch", "--every", "60", "--articles", str(tmp_path)], env=env)
    assert every.exit_code == 2 and "--every needs --feeds" in every.output
    missing = runner.invoke(
        cli,
        ["watch", "--articles", str(tmp_path / "nope"), "--index", str(tmp_path / "i")],
        env=env,
    )
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    assert missing.output.strip().splitlines()[-1] == (
        f"Error: {tmp_path / 'nope'}: no such folder; put articles there or pass --articles DIR"
    )


def test_watch_is_documented() -> None:
    doc = (ROOT / "docs" / "watch.md").read_text(encoding="utf-8")
    for needed in ("askbrief watch", "--feeds", "--every", "debounce", "feeds.txt", "exit"):
        assert needed in doc
