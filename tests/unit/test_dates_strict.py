"""Dates typed as dates (issue 27, item 6): --since, --until and --as-of in the CLI, and the
since/until of the /ask_between API, take YYYY-MM-DD and nothing else. 2026-13-01 is an
error, not 13 January; "yesterday" or "12 Feb 2024" in a date field is an error, not a
guess. Each error is one line naming the value and the format, in the caller's own words.
The question's own time words ("this week") are still read as before.

(The UI's From and To boxes, in a real browser: tests/browser/test_ui_input.py.)

Here, what needs no model and no index; the rest: tests/index/test_dates_strict.py,
tests/system/test_dates_strict.py."""

from __future__ import annotations

from click.testing import CliRunner

from askbrief.cli.main import cli


def test_cli_help_says_the_format_of_every_date_flag() -> None:
    shown = CliRunner().invoke(cli, ["query", "--help"], terminal_width=200).output
    for flag in ("--since", "--until", "--as-of"):
        line = next(x for x in shown.splitlines() if x.strip().startswith(flag))
        at = shown.index(line)
        assert "YYYY-MM-DD" in shown[at : at + 300], (flag, shown)
