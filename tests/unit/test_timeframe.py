"""Questions about time: each time expression as a window of dates against a fixed "now",
and answers kept to it on a real index of dated articles (one undated).

Here, what needs no model and no index; the rest: tests/index/test_timeframe.py."""

from __future__ import annotations

from datetime import date

import pytest

from askbrief.ask.timeframe import explicit, parse_day, resolve
from askbrief.errors import AskbriefError

NOW = date(2024, 2, 21)  # a Wednesday


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("What happened today?", "2024-02-21", "2024-02-21"),
        ("Who resigned yesterday?", "2024-02-20", "2024-02-20"),
        ("Which storm hit Britain this week?", "2024-02-19", "2024-02-21"),
        ("Who won the final last week?", "2024-02-12", "2024-02-18"),
        ("What did prices do this month?", "2024-02-01", "2024-02-21"),
        ("What did prices do last month?", "2024-01-01", "2024-01-31"),
        ("Who was elected in March?", "2023-03-01", "2023-03-31"),  # the March before now
        ("Who was elected in January 2024?", "2024-01-01", "2024-01-31"),
        ("Who won the league in 2023?", "2023-01-01", "2023-12-31"),
        ("What has changed since Monday?", "2024-02-19", "2024-02-21"),
        ("What has changed since 12 February?", "2024-02-12", "2024-02-21"),
        ("What has changed since 2024-02-01?", "2024-02-01", "2024-02-21"),
        ("What is the latest figure?", "2024-01-23", "2024-02-21"),
        ("What is the most recent count?", "2024-01-23", "2024-02-21"),
        ("Who leads the party now?", "2024-01-23", "2024-02-21"),
        ("What happened this year?", "2024-01-01", "2024-02-21"),
    ],
)
def test_time_words_name_a_window(question: str, start: str, end: str) -> None:
    window = resolve(question, NOW)
    assert window is not None
    assert (window.start, window.end) == (date.fromisoformat(start), date.fromisoformat(end))
    assert window.label in question.lower()


def test_questions_without_time_words_have_no_window() -> None:
    for question in ("What is the capital of France?", "Who won the 1998 World Cup?"):
        assert resolve(question, NOW) is None


def test_explicit_dates_and_their_errors() -> None:
    window = explicit(date(2024, 2, 1), None)
    assert window is not None and window.describe() == "articles from 2024-02-01 on"
    assert explicit(None, None) is None
    with pytest.raises(AskbriefError, match="the start date 2024-02-02 is after the end date"):
        explicit(date(2024, 2, 2), date(2024, 2, 1))
    assert parse_day(" 2024-02-12 ") == date(2024, 2, 12)
    with pytest.raises(AskbriefError, match="'soon' is not a date"):
        parse_day("soon", "--since")
