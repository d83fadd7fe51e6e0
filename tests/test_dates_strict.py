"""Dates typed as dates (issue 27, item 6): --since, --until and --as-of in the CLI, and the
since/until of the /ask_between API, take YYYY-MM-DD and nothing else. 2026-13-01 is an
error, not 13 January; "yesterday" or "12 Feb 2024" in a date field is an error, not a
guess. Each error is one line naming the value and the format, in the caller's own words.
The question's own time words ("this week") are still read as before.

(The UI's From and To boxes, in a real browser: test_ui_input.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import CountingEmbedder
from dated_articles import ARTICLES, build_dated
from ui_fixtures import serve

from askbrief.cli.main import cli
from askbrief.config import Settings

DEATHS = "How many people were killed in the Kellin flood?"
FORMAT = "use YYYY-MM-DD, e.g. 2026-03-01"


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Settings:
    return build_dated(tmp_path_factory.mktemp("strict"), embedder, ARTICLES)


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
def test_cli_date_flags_take_only_yyyy_mm_dd(dated: Settings, flag: str, value: str) -> None:
    result = query(dated, flag, value, DEATHS)
    assert result.exit_code != 0
    assert result.output.strip() == f"Error: {flag} {value!r} is not a date; {FORMAT}"
    assert "Traceback" not in result.output


def test_cli_backwards_range_names_the_flags(dated: Settings) -> None:
    result = query(dated, "--since", "2024-02-16", "--until", "2024-02-10", DEATHS)
    assert result.exit_code != 0
    assert result.output.strip() == (
        "Error: --since 2024-02-16 is after --until 2024-02-10; swap them"
    )


def test_cli_good_dates_and_question_time_words_still_work(dated: Settings) -> None:
    late = query(dated, "--json", "--since", "2024-02-10", DEATHS)
    assert late.exit_code == 0, late.output
    assert '"article_id": "flood-2"' in late.output and '"flood-1"' not in late.output
    # --as-of, strict too, moves "this week" back to 5-9 February
    week = query(dated, "--as-of", "2024-02-09", f"{DEATHS[:-1]} this week?")
    assert week.exit_code == 0, week.output
    assert week.output.startswith('Searched articles from 2024-02-05 to 2024-02-09 ("this week")')


def test_cli_help_says_the_format_of_every_date_flag() -> None:
    shown = CliRunner().invoke(cli, ["query", "--help"], terminal_width=200).output
    for flag in ("--since", "--until", "--as-of"):
        line = next(x for x in shown.splitlines() if x.strip().startswith(flag))
        at = shown.index(line)
        assert "YYYY-MM-DD" in shown[at : at + 300], (flag, shown)


@pytest.fixture(scope="module")
def client(dated: Settings, embedder: CountingEmbedder) -> Iterator[Any]:
    from gradio_client import Client

    from askbrief.web.blocks import make_app

    with serve(make_app(settings=dated, embedder=embedder)) as url:
        yield Client(url, verbose=False)


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("2026-13-01", "", f"since '2026-13-01' is not a date; {FORMAT}"),
        ("", "yesterday", f"until 'yesterday' is not a date; {FORMAT}"),
        ("", "2024-02-30", f"until '2024-02-30' is not a date; {FORMAT}"),
        ("2024-02-16", "2024-02-10", "since 2024-02-16 is after until 2024-02-10; swap them"),
    ],
)
def test_ask_between_takes_only_yyyy_mm_dd(
    client: Any, since: str, until: str, message: str
) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as caught:
        client.predict(DEATHS, since, until, api_name="/ask_between")
    assert str(caught.value) == message
    assert "--" not in str(caught.value)  # the API's words, not the CLI's


def test_ask_between_good_dates(client: Any) -> None:
    early = client.predict(DEATHS, " 2024-02-01 ", "2024-02-10", api_name="/ask_between")
    assert early["answered"] and {q["article_id"] for q in early["quotes"]} == {"flood-1"}
    assert early["window"]["from"] == "2024-02-01" and early["window"]["to"] == "2024-02-10"
    assert "--" not in early["window"]["label"]
