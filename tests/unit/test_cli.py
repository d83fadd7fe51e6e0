"""The CLI as a user runs it: output, JSON, batch, and one-line errors with a non-zero exit.

Here, what needs no model and no index; the rest: tests/system/test_cli.py."""

from __future__ import annotations

from click.testing import CliRunner

from askbrief.cli.main import cli


def test_ui_command_takes_the_web_ui_options() -> None:
    """`askbrief ui` is `python app.py` under the CLI: the same options, its own name."""
    result = CliRunner().invoke(cli, ["ui", "--help"], prog_name="askbrief")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: askbrief ui ")
    assert "--host" in result.output and "--store" in result.output
