"""Article dates and recency: where a date comes from, and that a newer article wins a tie.

Here, what needs no model and no index; the rest: tests/index/test_dates.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from askbrief.dates import article_date, newest, parse_date, recency
from askbrief.ingest.articles import read_folder
from askbrief.records import Article


def art(url: str | None = None, published: str | None = None) -> Article:
    return Article("a", "t", "text", "a.jsonl", "jsonl", url=url, published=published)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-09", date(2024, 1, 9)),
        ("2024-01-09T10:05:00+05:00", date(2024, 1, 9)),
        ("Tue, 9 Jan 2024 10:05:00 GMT", date(2024, 1, 9)),
        ("January 2024", date(2024, 1, 15)),
        ("2024", date(2024, 7, 15)),
        ("Jan 9", None),  # no year: not a date we can place
        ("yesterday", None),
        ("2024-13-45", None),
        ("", None),
    ],
)
def test_parse_date(value: str, expected: date | None) -> None:
    assert parse_date(value) == expected


@given(st.text(max_size=60))
def test_parse_date_never_raises(value: str) -> None:
    result = parse_date(value)
    assert result is None or isinstance(result, date)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.cnn.com/2022/11/27/asia/taiwan/index.html", date(2022, 11, 27)),
        ("https://example.com/story/money/2023/01/20/google-layoffs/1108/", date(2023, 1, 20)),
        ("https://example.com/news/2024-02-07-king-charles", date(2024, 2, 7)),
        ("https://example.com/archive/20240109/story", date(2024, 1, 9)),
        ("https://example.com/2024/03/", date(2024, 3, 15)),  # month only: its middle
        ("https://example.com/story/123456789012/", None),
        ("https://example.com/2024/13/01/x", None),
        ("https://example.com/about", None),
    ],
)
def test_date_from_url(url: str, expected: date | None) -> None:
    assert article_date(art(url=url)) == expected


def test_published_field_wins_and_a_bad_one_falls_back_to_the_url() -> None:
    url = "https://example.com/2020/05/01/x"
    assert article_date(art(url=url, published="2024-01-09")) == date(2024, 1, 9)
    assert article_date(art(url=url, published="last Tuesday")) == date(2020, 5, 1)
    assert article_date(art()) is None


def test_recency_fades_with_age_from_the_newest_article() -> None:
    now = date(2024, 2, 23)
    assert newest([art(published="2024-02-23"), art(published="2019-01-01"), art()]) == now
    assert newest([art(), art(url="https://example.com/x")]) is None
    future = art(url="https://example.com/2035/01/plans")  # not a publication date
    assert newest([art(published="2024-02-23"), future], today=date(2026, 1, 1)) == now
    fresh = [recency(date(2024, 2, 23 - d), now) for d in (0, 7, 21)]
    assert fresh[0] == 1.0 and fresh[0] > fresh[1] > fresh[2] > 0  # type: ignore[operator]
    assert recency(date(2024, 3, 1), now) == 1.0  # dated after "now": as new as it gets
    assert recency(None, now) is None and recency(now, None) is None


def test_html_dates_come_from_markup_not_from_years_in_the_text(tmp_path: Path) -> None:
    said = "<p>Entries have doubled since 2020, the federation said on {day}.</p>"
    body = f"<article><h1>Chess</h1>{said.format(day='Sunday')}</article>"
    plain = f"<article><h1>Chess</h1>{said.format(day='Monday')}</article>"  # not a duplicate
    (tmp_path / "plain.html").write_text(
        f"<html><head><title>Chess</title></head><body>{plain}</body></html>"
    )
    meta = (
        '<meta property="article:published_time" content="2024-01-09T10:00:00Z">'
        '<link rel="canonical" href="https://example.com/2024/01/09/chess">'
    )
    (tmp_path / "dated.html").write_text(
        f"<html><head><title>Chess</title>{meta}</head><body>{body}</body></html>"
    )
    found = {a.id: a for a in read_folder(tmp_path).articles}
    assert found["plain.html"].published is None and found["plain.html"].url is None
    assert found["dated.html"].published == "2024-01-09"
    assert found["dated.html"].url == "https://example.com/2024/01/09/chess"
    assert article_date(found["dated.html"]) == date(2024, 1, 9)
