"""Corrections arrive (issue 30): a feed item whose page changed at its URL is saved again by
the next `askbrief fetch` that re-checks it, keeps its file and id, and becomes the article's
second version when the index is built; the web UI's status line counts it. An unchanged page
is not rewritten, a page's ETag / Last-Modified make a re-check one 304, a failed re-check
keeps the saved text, and `askbrief watch` turns an edited file into a new version.

Real components throughout: the local feed server (tests/support/feeds.py), indexes on disk,
the real model. A re-check is due 10 minutes after the last one at the earliest, so the
tests age the state file (`later`) rather than wait. The policy itself, the report's words
and the file rewrite without a server: tests/unit/test_corrections.py.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.common import SEED_FILE, STORES, CountingEmbedder, store_at
from support.feeds import FeedServer

from askbrief import Settings, build_index
from askbrief.ask.index import Index
from askbrief.news import corrections
from askbrief.news.feed_store import STATE_FILE
from askbrief.news.feeds import add_feed, fetch_feeds
from askbrief.news.watch import watch_folder
from askbrief.records import BuildReport
from askbrief.store.base import open_store

BUSES = "/tollan/council-buys-buses.html"
MARKET = "/tollan/market-square-reopens.html"
BUSES_TEXT = (
    "The Tollan town council approved the purchase of 14 electric buses on Monday, the mayor "
    "said. The buses will run on the harbour line from September, replacing diesel buses "
    "that are twenty years old."
)
FIXED_TEXT = BUSES_TEXT.replace("14 electric buses", "41 electric buses")
MARKET_TEXT = (
    "The market square in Tollan reopened on Saturday after eight months of repairs to its "
    "cobbles and drains. Forty stalls sold fruit, fish and bread to the first visitors."
)
RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tollan Courier</title><link>{base}/tollan/</link>
<description>News from Tollan.</description>
<item><title>Tollan council buys buses</title><link>{base}/tollan/council-buys-buses.html</link></item>
<item><title>Market square reopens</title><link>{base}/tollan/market-square-reopens.html</link></item>
</channel></rss>
"""


def page(title: str, text: str) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><nav>Home News Sport</nav>"
        f"<article><h1>{title}</h1><p>{text}</p></article>"
        "<footer>All rights reserved</footer></body></html>"
    )


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def serve_tollan(server: FeedServer, **page_options: Any) -> str:
    """The feed (no ETag: it answers in full every time, as many do) and its two pages, which
    carry no date, so their age counts from when they were saved."""
    server.add(BUSES, page("Tollan council buys buses", BUSES_TEXT), **page_options)
    server.add(MARKET, page("Market square reopens", MARKET_TEXT))
    return server.add("/tollan/rss.xml", RSS, content_type="application/rss+xml")


def later(folder: Path, minutes: float) -> None:
    """As if `minutes` had passed since the last fetch: every saved and checked time in the
    state file moves back by that much."""
    path = folder / STATE_FILE
    state = json.loads(path.read_text(encoding="utf-8"))
    for entry in state["items"].values():
        for key in ("saved", "checked"):
            if key in entry:
                then = datetime.fromisoformat(entry[key]) - timedelta(minutes=minutes)
                entry[key] = then.isoformat(timespec="seconds")
    path.write_text(json.dumps(state), encoding="utf-8")


def saved(folder: Path) -> dict[str, Path]:
    """Item URL -> its file."""
    return {
        json.loads(p.read_text(encoding="utf-8"))["id"]: p
        for p in (folder / "feeds").rglob("*.jsonl")
    }


def snapshot(folder: Path) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (folder / "feeds").rglob("*.jsonl")}


def versions(settings: Settings, article_id: str) -> list[Any]:
    store = open_store(settings)
    try:
        return list(store.versions(article_id))
    finally:
        store.close()


@pytest.mark.parametrize("kind", STORES)
def test_a_page_corrected_at_its_url_becomes_a_second_version_and_is_counted(
    server: FeedServer,
    feed_folder: Path,
    tmp_path: Path,
    embedder: CountingEmbedder,
    kind: str,
) -> None:
    from askbrief.web.backend import Backend, render_status

    add_feed(feed_folder, serve_tollan(server))
    first = fetch_feeds(feed_folder)
    assert first.summary() == "2 new articles from 1 feed"
    settings = Settings.load(articles_dir=feed_folder, store=store_at(tmp_path, kind))
    build_index(settings, embedder)
    buses, market = server.url(BUSES), server.url(MARKET)
    files = saved(feed_folder)
    record = json.loads(files[buses].read_text(encoding="utf-8"))
    assert "14 electric buses" in record["text"]

    # The newsroom corrects the figure. A fetch right away does not ask the page again
    # (not within 10 minutes of its last download); the next one that is due does.
    server.add(BUSES, page("Tollan council buys buses", FIXED_TEXT))
    soon = fetch_feeds(feed_folder)
    assert soon.corrected == () and server.requests[BUSES] == 1
    before = snapshot(feed_folder)
    later(feed_folder, 15)
    events: list[str] = []
    report = fetch_feeds(feed_folder, on_event=events.append)
    assert server.requests[BUSES] == 2 and server.requests[MARKET] == 2

    assert report.summary() == "0 new articles from 1 feed; 1 corrected article"
    assert report.corrected == (files[buses],) and report.saved == ()
    assert events == [f"{buses}: changed at its URL; new text saved in {files[buses]}"]
    assert saved(feed_folder) == files  # the same file, the same id
    fixed = json.loads(files[buses].read_text(encoding="utf-8"))
    assert "41 electric buses" in fixed["text"] and "14 electric" not in fixed["text"]
    assert {k: v for k, v in fixed.items() if k != "text"} == {
        k: v for k, v in record.items() if k != "text"
    }
    after = snapshot(feed_folder)
    assert after[files[market]] == before[files[market]]  # unchanged: not rewritten

    built = build_index(settings, embedder)
    assert (built.added, built.updated, built.removed) == (0, 1, 0)
    assert len(versions(settings, buses)) == 2
    assert len(versions(settings, market)) == 1
    store = open_store(settings)
    try:
        assert store.corrected_articles() == 1
    finally:
        store.close()
    assert re.search(
        r"<b>2</b> articles · <b>1</b> corrected · ", render_status(Backend(settings, embedder))
    )

    # Questions are answered from the corrected text.
    idx = Index(settings, embedder)
    try:
        answer = idx.ask("How many electric buses did the Tollan council buy?")
        assert answer.quotes[0].article_id == buses and "41" in answer.quotes[0].text
    finally:
        idx.store.close()

    # Nothing changed since: no rewrite, no new version.
    later(feed_folder, 15)
    quiet = fetch_feeds(feed_folder)
    assert quiet.corrected == () and server.requests[BUSES] == 3
    assert snapshot(feed_folder) == after
    assert build_index(settings, embedder).updated == 0
    assert len(versions(settings, buses)) == 2


@pytest.mark.parametrize("validator", ["etag", "last_modified"])
def test_a_page_that_sends_validators_is_rechecked_with_a_conditional_get(
    server: FeedServer, feed_folder: Path, validator: str
) -> None:
    header = {"etag": "if-none-match", "last_modified": "if-modified-since"}[validator]
    old, new = {
        "etag": ('"buses-1"', '"buses-2"'),
        "last_modified": ("Mon, 03 Jun 2024 08:00:00 GMT", "Mon, 03 Jun 2024 09:30:00 GMT"),
    }[validator]
    add_feed(feed_folder, serve_tollan(server, **{validator: old}))
    fetch_feeds(feed_folder)
    before = snapshot(feed_folder)

    later(feed_folder, 15)
    unchanged = fetch_feeds(feed_folder)
    assert server.headers[BUSES][1][header] == old  # answered 304: nothing downloaded
    assert unchanged.corrected == () and unchanged.recheck_failed == ()
    assert snapshot(feed_folder) == before

    server.add(BUSES, page("Tollan council buys buses", FIXED_TEXT), **{validator: new})
    later(feed_folder, 15)
    report = fetch_feeds(feed_folder)
    assert server.headers[BUSES][2][header] == old
    assert len(report.corrected) == 1
    assert "41 electric buses" in report.corrected[0].read_text(encoding="utf-8")
    state = json.loads((feed_folder / STATE_FILE).read_text(encoding="utf-8"))
    assert state["items"][server.url(BUSES)][validator] == new  # what the next one sends


def test_a_feed_that_says_an_old_item_was_updated_gets_it_rechecked(
    server: FeedServer, feed_folder: Path
) -> None:
    """Past its 7 days an item is re-checked only when its feed gives it a new update date."""
    month_ago = (datetime.now(UTC) - timedelta(days=30)).replace(microsecond=0)
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Tollan Courier</title>
<id>{base}/tollan/</id><updated>UPDATED</updated>
<entry><title>Tollan council buys buses</title><id>{base}/tollan/council-buys-buses.html</id>
<link href="{base}/tollan/council-buys-buses.html"/>
<published>PUBLISHED</published><updated>UPDATED</updated></entry></feed>
"""

    def serve_feed(updated: datetime) -> str:
        body = atom.replace("PUBLISHED", month_ago.isoformat()).replace(
            "UPDATED", updated.isoformat()
        )
        return server.add("/tollan/atom.xml", body, content_type="application/atom+xml")

    server.add(BUSES, page("Tollan council buys buses", BUSES_TEXT))
    add_feed(feed_folder, serve_feed(month_ago))
    assert len(fetch_feeds(feed_folder).saved) == 1

    server.add(BUSES, page("Tollan council buys buses", FIXED_TEXT))
    later(feed_folder, 15)
    same = fetch_feeds(feed_folder)
    assert same.corrected == () and server.requests[BUSES] == 1  # a month old: not asked

    serve_feed(month_ago + timedelta(days=29))
    report = fetch_feeds(feed_folder)
    assert server.requests[BUSES] == 2
    assert report.summary() == "0 new articles from 1 feed; 1 corrected article"


def test_a_failed_recheck_is_one_line_and_keeps_the_saved_text(
    server: FeedServer, feed_folder: Path
) -> None:
    add_feed(feed_folder, serve_tollan(server))
    fetch_feeds(feed_folder)
    before = snapshot(feed_folder)
    buses = server.url(BUSES)

    server.routes[BUSES].status = 503
    later(feed_folder, 15)
    events: list[str] = []
    report = fetch_feeds(feed_folder, on_event=events.append)
    assert report.summary() == "0 new articles from 1 feed; 1 re-check failed"
    assert [(s.url, s.reason) for s in report.recheck_failed] == [
        (buses, "HTTP 503 (tried again later)")
    ]
    assert events == [f"{buses}: re-check failed: HTTP 503 (tried again later); saved text kept"]
    assert snapshot(feed_folder) == before

    # Back, and corrected meanwhile: the next due re-check saves it.
    server.add(BUSES, page("Tollan council buys buses", FIXED_TEXT))
    later(feed_folder, 15)
    assert len(fetch_feeds(feed_folder).corrected) == 1

    # Gone for good: one line, the saved text stays, and it is not asked again.
    server.routes[BUSES].status = 404
    later(feed_folder, 15)
    events.clear()
    fetch_feeds(feed_folder, on_event=events.append)
    assert events == [f"{buses}: re-check failed: HTTP 404 (not re-checked again); saved text kept"]
    asked = server.requests[BUSES]
    later(feed_folder, 60)
    assert fetch_feeds(feed_folder).recheck_failed == () and server.requests[BUSES] == asked
    assert "41 electric buses" in saved(feed_folder)[buses].read_text(encoding="utf-8")


def test_a_deleted_article_is_not_brought_back_by_a_recheck(
    server: FeedServer, feed_folder: Path
) -> None:
    add_feed(feed_folder, serve_tollan(server))
    fetch_feeds(feed_folder)
    saved(feed_folder)[server.url(BUSES)].unlink()
    server.add(BUSES, page("Tollan council buys buses", FIXED_TEXT))
    later(feed_folder, 15)
    report = fetch_feeds(feed_folder)
    assert report.corrected == () and report.saved == () and server.requests[BUSES] == 1
    assert set(saved(feed_folder)) == {server.url(MARKET)}


def test_cli_fetch_says_what_was_corrected_and_indexes_it(
    server: FeedServer, tmp_path: Path
) -> None:
    from askbrief.cli.main import cli

    articles, index = tmp_path / "articles", tmp_path / "idx"
    unset = ("ASKBRIEF_STORE", "ASKBRIEF_INDEX_DIR", "ASKBRIEF_ARTICLES_DIR")
    env: dict[str, str | None] = {"HF_HUB_OFFLINE": "1", **dict.fromkeys(unset)}
    args = ["fetch", "--articles", str(articles), "--index", str(index), "--quiet"]
    add_feed(articles, serve_tollan(server))
    first = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    server.add(BUSES, page("Tollan council buys buses", FIXED_TEXT))
    later(articles, 15)

    again = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    lines = again.stdout.splitlines()
    assert lines[0] == "0 new articles from 1 feed; 1 corrected article"
    assert re.match(r"added 0, updated 1, removed 0, unchanged 1; ", lines[1])
    assert f"{server.url(BUSES)}: changed at its URL; new text saved in " in again.stderr


# ---------------------------------------------------------------- askbrief watch


def run_watch(settings: Settings, embedder: CountingEmbedder, **kw: Any) -> Any:
    """watch_folder in a thread; returns (builds, errors, stop, thread)."""
    builds: list[BuildReport] = []
    errors: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch_folder,
        args=(settings,),
        kwargs={
            "on_build": builds.append,
            "on_error": errors.append,
            "stop": stop,
            "embedder": embedder,
            "debounce_ms": 300,
            **kw,
        },
        daemon=True,
    )
    thread.start()
    return builds, errors, stop, thread


def wait_for(done: Any, what: str, timeout: float = 180.0) -> None:
    t0 = time.monotonic()
    while not done():
        if time.monotonic() - t0 > timeout:
            pytest.fail(f"no {what} within {timeout:.0f}s")
        time.sleep(0.05)


def test_watch_turns_an_edited_file_into_a_new_version(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SEED_FILE, articles)
    story = articles / "buses.txt"
    story.write_text(f"Tollan council buys buses\n{BUSES_TEXT}\n", encoding="utf-8")
    settings = Settings.load(articles_dir=articles, index_dir=tmp_path / "idx")
    builds, errors, stop, thread = run_watch(settings, embedder)
    try:
        wait_for(lambda: len(builds) >= 1, "first build")
        assert len(versions(settings, "buses.txt")) == 1
        story.write_text(f"Tollan council buys buses\n{FIXED_TEXT}\n", encoding="utf-8")
        wait_for(lambda: len(builds) >= 2, "build after the edit")
        assert (builds[1].added, builds[1].updated, builds[1].removed) == (0, 1, 0)
        assert builds[1].summary().startswith("added 0, updated 1, removed 0")
        assert len(versions(settings, "buses.txt")) == 2
        assert errors == []
    finally:
        stop.set()
        thread.join(timeout=30)


def test_watch_with_feeds_indexes_a_correction_as_a_new_version(
    server: FeedServer,
    tmp_path: Path,
    embedder: CountingEmbedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--feeds: the watch's own fetch re-checks the page and its build records the version.
    The 10-minute gap between re-checks is lifted so the test need not wait for it."""
    monkeypatch.setattr(corrections, "MIN_GAP", timedelta(0))
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SEED_FILE, articles)  # the first build runs before the first fetch
    add_feed(articles, serve_tollan(server))
    settings = Settings.load(articles_dir=articles, index_dir=tmp_path / "idx")
    fetched: list[Any] = []
    builds, errors, stop, thread = run_watch(
        settings, embedder, feeds_every=1.0, on_feeds=fetched.append
    )
    try:
        wait_for(lambda: builds and builds[-1].articles == 3, "the two items indexed")
        server.add(BUSES, page("Tollan council buys buses", FIXED_TEXT))
        wait_for(lambda: any(b.updated == 1 for b in builds), "a build with the correction")
        assert any(f.summary().endswith("1 corrected article") for f in fetched)
        assert len(versions(settings, server.url(BUSES))) == 2
        assert errors == []
    finally:
        stop.set()
        thread.join(timeout=30)
