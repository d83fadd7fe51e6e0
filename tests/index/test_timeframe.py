"""Questions about time: each time expression as a window of dates against a fixed "now",
and answers kept to it on a real index of dated articles (one undated).

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/unit/test_timeframe.py."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.common import CountingEmbedder
from support.dated import ARTICLES, BRIDGE, build_dated

from askbrief import Index
from askbrief.cli.main import cli


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Index:
    floods = [a for a in ARTICLES if a["id"].startswith("flood")]
    settings = build_dated(tmp_path_factory.mktemp("dated"), embedder, [*floods, BRIDGE])
    return Index(settings, embedder)


def test_this_week_and_last_week_answer_from_their_own_week(dated: Index) -> None:
    # the newest article is from 2024-02-16, a Friday: "this week" is 12-16 February
    this_week = dated.ask("How many people were killed in the Kellin flood this week?")
    assert this_week.answered and this_week.quotes[0].article_id == "flood-2"
    assert this_week.window is not None
    assert (this_week.window.note()["from"], this_week.window.note()["to"]) == (
        "2024-02-12",
        "2024-02-16",
    )
    assert this_week.window.note()["undated"] == "included"
    assert {q.article_id for q in this_week.quotes} <= {"flood-2", "bridge"}
    last_week = dated.ask("How many people were killed in the Kellin flood last week?")
    assert last_week.answered and last_week.quotes[0].article_id == "flood-1"
    assert "flood-2" not in {q.article_id for q in last_week.quotes}
    # every quote carries its article's date
    assert this_week.quotes[0].date == "2024-02-16" and last_week.quotes[0].date == "2024-02-05"


def test_undated_articles_stay_in_a_window(dated: Index) -> None:
    answer = dated.ask("What will Kellin rebuild this week?")
    assert answer.answered and answer.quotes[0].article_id == "bridge"
    assert answer.quotes[0].date is None and answer.window is not None


def test_as_of_moves_now_and_since_until_filter(dated: Index) -> None:
    q = "How many people were killed in the Kellin flood this week?"
    early = dated.ask(q, as_of=date(2024, 2, 9))  # that week: 5-9 February
    assert early.answered and early.quotes[0].article_id == "flood-1"
    before = dated.ask("How many people were killed in the Kellin flood?", until=date(2024, 2, 10))
    assert before.answered and {q.article_id for q in before.quotes} <= {"flood-1", "bridge"}
    assert before.window is not None and before.window.note()["label"] == "dates given"
    # a window with no article about the question: refused, saying why and which window
    none = dated.ask("How many people were killed in the Kellin flood?", since=date(2025, 1, 1))
    assert not none.answered and none.window is not None


def test_cli_since_until_as_of(dated: Index) -> None:
    env = {
        "ASKBRIEF_INDEX_DIR": str(dated.settings.location.path),
        "HF_HUB_OFFLINE": "1",
    }
    run = CliRunner().invoke
    q = "How many people were killed in the Kellin flood this week?"
    out = run(cli, ["query", q], env=env)
    assert out.exit_code == 0, out.output
    assert out.output.startswith(
        'Searched articles from 2024-02-12 to 2024-02-16 ("this week"); undated articles included.'
    )
    assert "(flood-2 [" in out.output and ", 2024-02-16)" in out.output
    data = json.loads(run(cli, ["query", "--json", "--as-of", "2024-02-09", q], env=env).output)
    assert data["window"]["from"] == "2024-02-05" and data["quotes"][0]["article_id"] == "flood-1"
    assert data["quotes"][0]["date"] == "2024-02-05"
    since = run(cli, ["query", "--json", "--since", "2024-02-10", "Kellin flood deaths"], env=env)
    assert {q["article_id"] for q in json.loads(since.output)["quotes"]} <= {"flood-2", "bridge"}
    bad = run(cli, ["query", "--since", "soon", "x"], env=env)
    assert bad.exit_code != 0
    assert bad.output.strip() == (
        "Error: --since 'soon' is not a date; use YYYY-MM-DD, e.g. 2026-03-01"
    )


def test_no_window_without_dates_or_time_words(tmp_path: Path, dated: Index) -> None:
    answer = dated.ask("How many people were killed in the Kellin flood?")
    assert answer.window is None and answer.answered
