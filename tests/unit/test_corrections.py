"""Corrections arrive (issue 30), without a server: when a saved feed item is due for a
re-check (news/corrections.py's window and spacing), what a re-check does with each answer
(304, the same text, a new text, a failure), the file rewrite that keeps the article's id and
fields, and the report's words.

Against the local feed server, with indexes and the web UI's status line, and for `askbrief
watch`: tests/system/test_corrections.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from askbrief.news.corrections import due, recheck
from askbrief.news.feed_store import FeedState, content_key, replace_text
from askbrief.news.feeds import FetchReport, Skipped
from askbrief.news.fetching import Download, FetchError, read_page
from askbrief.web.render import render_status

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
URL = "https://news.example.com/2025/06/buses.html"
TEXT = (
    "The Tollan town council approved the purchase of 14 electric buses on Monday, the mayor "
    "said. The buses will run on the harbour line from September, replacing old diesel buses."
)
SAVED = f"Buses\n{TEXT}"  # what read_page extracts from page(TEXT), as fetch saved it


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).isoformat(timespec="seconds")


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "feeds" / "news.example.com" / "2025-06-10-buses.jsonl"
    path.parent.mkdir(parents=True)
    record = {
        "id": URL,
        "title": "Buses",
        "text": SAVED,
        "url": URL,
        "published": None,
        "source": "X",
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("entry", "updated", "expected"),
    [
        ({"saved": ago(minutes=5)}, None, False),  # within 10 minutes of its download
        ({"saved": ago(minutes=11)}, None, True),  # young: every fetch, 10 minutes apart
        ({"saved": ago(hours=30), "checked": ago(minutes=140)}, None, False),  # 30 h: 150 min
        ({"saved": ago(hours=30), "checked": ago(minutes=160)}, None, True),
        ({"saved": ago(days=6), "checked": ago(hours=11)}, None, False),  # 6 days: 12 h
        ({"saved": ago(days=6), "checked": ago(hours=13)}, None, True),
        ({"saved": ago(days=8), "checked": ago(days=1)}, None, False),  # past the window
        ({"saved": ago(hours=1), "published": ago(days=30)}, None, False),  # dated a month ago
        (
            {"saved": ago(days=30), "updated": "2025-05-01T00:00:00+00:00"},
            "2025-06-10T09:00:00+00:00",
            True,
        ),
        (
            {"saved": ago(days=30), "updated": "2025-05-01T00:00:00+00:00"},
            "2025-05-01T00:00:00+00:00",
            False,
        ),
        (
            {"saved": ago(days=30)},
            "2025-06-10T09:00:00+00:00",
            False,
        ),  # no earlier date to differ from
        ({"saved": ago(days=30), "checked": ago(minutes=5), "updated": "x"}, "y", False),  # 10 min
        ({"saved": ago(hours=2), "stopped": "HTTP 404"}, None, False),
    ],
)
def test_when_an_item_is_due(
    article: Path, entry: dict[str, str], updated: str | None, expected: bool
) -> None:
    assert due(entry, updated, NOW, article) is expected


def test_a_deleted_file_is_never_due(article: Path) -> None:
    article.unlink()
    assert not due({"saved": ago(hours=1)}, None, NOW, article)


def test_an_item_saved_before_its_times_were_kept_counts_from_its_file(article: Path) -> None:
    assert not due({}, None, datetime.now(UTC), article)  # just written
    assert due({}, None, datetime.now(UTC) + timedelta(minutes=11), article)


def state_with(article: Path, **entry: str) -> FeedState:
    folder = article.parents[2]
    state = FeedState(folder / ".feeds-state.json", {})
    state.add(URL, article.relative_to(folder).as_posix(), content_key(SAVED), **entry)
    return state


def page(body: str, status: int = 200, **headers: str) -> Download:
    html = f"<html><body><article><h1>Buses</h1><p>{body}</p></article></body></html>"
    return Download(URL, status, {"content-type": "text/html", **headers}, html.encode())


def test_a_recheck_rewrites_only_a_changed_text(article: Path) -> None:
    state = state_with(article, saved=ago(hours=1), etag='"1"')
    folder = article.parents[2]
    sent: list[dict[str, str]] = []

    def answer(got: Download):  # type: ignore[no-untyped-def]
        def get(url: str, headers: dict[str, str]) -> Download:
            sent.append(headers)
            return got

        return get

    assert read_page(page(TEXT)).text == SAVED
    before = article.read_bytes()
    assert (
        recheck(answer(Download(URL, 304, {}, b"")), state, folder, URL, None, NOW).corrected
        is None
    )
    assert sent[-1] == {"If-None-Match": '"1"'}
    later = NOW + timedelta(hours=1)
    same = recheck(answer(page(TEXT + "  ", etag='"2"')), state, folder, URL, None, later)
    assert same.corrected is None and article.read_bytes() == before  # white space only
    assert state.items[URL]["etag"] == '"2"'

    fixed = TEXT.replace("14 electric", "41 electric")
    found = recheck(answer(page(fixed)), state, folder, URL, None, later + timedelta(hours=1))
    assert found.corrected == article and found.problem is None
    record = json.loads(article.read_text(encoding="utf-8"))
    assert "41 electric" in record["text"]
    assert {k: record[k] for k in ("id", "url", "title", "source")} == {
        "id": URL,
        "url": URL,
        "title": "Buses",
        "source": "X",
    }
    assert state.items[URL]["hash"] == content_key(record["text"])
    assert "etag" not in state.items[URL]  # the page stopped sending one


@pytest.mark.parametrize(
    ("error", "problem", "stopped"),
    [
        (FetchError("HTTP 503", transient=True), "HTTP 503 (tried again later)", False),
        (FetchError("HTTP 410"), "HTTP 410 (not re-checked again)", True),
    ],
)
def test_a_failed_recheck_keeps_the_text(
    article: Path, error: FetchError, problem: str, stopped: bool
) -> None:
    state = state_with(article, saved=ago(hours=1))
    before = article.read_bytes()

    def get(url: str, headers: dict[str, str]) -> Download:
        raise error

    found = recheck(get, state, article.parents[2], URL, None, NOW)
    assert (found.corrected, found.problem) == (None, problem)
    assert article.read_bytes() == before
    assert bool(state.items[URL].get("stopped")) is stopped
    assert state.items[URL]["checked"] == NOW.isoformat(timespec="seconds")


def test_replace_text_keeps_the_other_lines_and_fields(tmp_path: Path) -> None:
    path = tmp_path / "two.jsonl"
    lines = [{"id": "a", "text": "old", "title": "A", "x": 1}, {"id": "b", "text": "B text"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    assert replace_text(path, "a", "new")
    got = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert got == [{"id": "a", "text": "new", "title": "A", "x": 1}, lines[1]]
    assert not replace_text(path, "c", "other") and not replace_text(tmp_path / "gone", "a", "x")


def test_the_report_counts_corrections_and_failed_rechecks() -> None:
    report = FetchReport(
        feeds=2,
        read=2,
        corrected=(Path("a.jsonl"),),
        skipped=(Skipped("u", "HTTP 404"),),
        recheck_failed=(Skipped("v", "HTTP 503 (tried again later)"),) * 2,
    )
    assert report.summary() == (
        "0 new articles from 2 feeds; 1 corrected article; 1 item skipped; 2 re-checks failed"
    )
    assert FetchReport(1, 1, corrected=(Path("a"), Path("b"))).summary() == (
        "0 new articles from 1 feed; 2 corrected articles"
    )


def test_the_status_line_counts_corrected_articles_when_there_are_any() -> None:
    stats = {"articles": 17, "passages": 67, "model": "m", "built_at": "2025-01-02T12:02:11+00:00"}
    assert "corrected" not in render_status(stats)
    assert "corrected" not in render_status({**stats, "corrected": 0})
    assert "<b>17</b> articles · <b>3</b> corrected · <b>67</b> passages" in render_status(
        {**stats, "corrected": 3}
    )
