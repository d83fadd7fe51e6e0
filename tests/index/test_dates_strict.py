"""Dates typed as dates (issue 27, item 6): --since, --until and --as-of in the CLI, and the
since/until of the /ask_between API, take YYYY-MM-DD and nothing else. 2026-13-01 is an
error, not 13 January; "yesterday" or "12 Feb 2024" in a date field is an error, not a
guess. Each error is one line naming the value and the format, in the caller's own words.
The question's own time words ("this week") are still read as before.

(The UI's From and To boxes, in a real browser: tests/browser/test_ui_input.py.)

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/system/test_dates_strict.py, tests/unit/test_dates_strict.py."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from support.dated import DEATHS, FORMAT

from askbrief.cli.main import cli
from askbrief.config import Settings


def query(settings: Settings, *args: str) -> Any:
    env = {"ASKBRIEF_INDEX_DIR": str(settings.location.path), "HF_HUB_OFFLINE": "1"}
    return CliRunner().invoke(cli, ["query", *args], env=env)


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--since", "2026-13-01"),  # was read as 13 January 2026
        ("--until", "2024-02-30"),  # no 30 February
        ("--since", "12 Feb 2024"),  # a date, but not in the format the help gives
        ("--as-of", "yesterday"),  # time words belong in the question
        ("--as-of", "2024-2-9"),
        ("--until", "20240210"),
    ],
)
def test_cli_date_flags_take_only_yyyy_mm_dd(
    dated_settings: Settings, flag: str, value: str
) -> None:
    result = query(dated_settings, flag, value, DEATHS)
    assert result.exit_code != 0
    assert result.output.strip() == f"Error: {flag} {value!r} is not a date; {FORMAT}"
    assert "Traceback" not in result.output


def test_cli_backwards_range_names_the_flags(dated_settings: Settings) -> None:
    result = query(dated_settings, "--since", "2024-02-16", "--until", "2024-02-10", DEATHS)
    assert result.exit_code != 0
    assert result.output.strip() == (
        "Error: --since 2024-02-16 is after --until 2024-02-10; swap them"
    )


def test_cli_good_dates_and_question_time_words_still_work(dated_settings: Settings) -> None:
    late = query(dated_settings, "--json", "--since", "2024-02-10", DEATHS)
    assert late.exit_code == 0, late.output
    assert '"article_id": "flood-2"' in late.output and '"flood-1"' not in late.output
    # --as-of, strict too, moves "this week" back to 5-9 February
    week = query(dated_settings, "--as-of", "2024-02-09", f"{DEATHS[:-1]} this week?")
    assert week.exit_code == 0, week.output
    assert week.output.startswith('Searched articles from 2024-02-05 to 2024-02-09 ("this week")')
