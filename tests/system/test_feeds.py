"""Feeds as a user runs them: feeds.txt, `fetch_feeds` against a local web server, the files
it saves, what it skips and why, conditional GETs, and answers from the fetched articles.

Everything is served from 127.0.0.1 by tests/support/feeds.py; fixtures are tests/data/feeds/.

Here, what needs a server, a child process or a slow build; the rest: tests/unit/test_feeds.py.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from support.common import CountingEmbedder
from support.feeds import HARBOR, FeedServer, serve_harbor

from askbrief import __version__
from askbrief.config import Settings
from askbrief.ingest.articles import read_folder
from askbrief.news.feed_store import STATE_FILE
from askbrief.news.feeds import FEEDS_FILE, add_feed, fetch_feeds
from askbrief.news.fetching import FetchError, download
from askbrief.store.build import build_index

VALLEY = {
    "/valley/2024/04/05/railway-reopens.html": "valley-rail-reopening.html",
    "/valley/2024/04/03/apricot-frost.html": "valley-orchard-frost.html",
}


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def serve_valley(server: FeedServer) -> str:
    """The Atom feed (with a Last-Modified date) and its two pages."""
    for path, name in VALLEY.items():
        server.add_file(path, name)
    return server.add_file(
        "/valley/atom.xml", "valley-atom.xml", last_modified="Fri, 05 Apr 2024 13:20:00 GMT"
    )


def serve_night(server: FeedServer) -> str:
    """A feed whose items go wrong in every way but one."""
    server.add_file("/night/corran-bridge-closed.html", "night-bridge-inspection.html")
    # the same story under a second URL
    server.add_file("/night/corran-bridge-drivers.html", "night-bridge-inspection.html")
    # /night/council-meeting-moved.html is not served: 404
    server.add_file("/night/storm-power-cut.html", "night-storm-power.html", delay=3.0)
    server.add("/night/regional-budget-full-text.html", endless=True, size=50_000_000)
    server.add_file("/night/storm-in-pictures.html", "night-gallery.html")
    server.add("/night/inspection-report.pdf", b"%PDF-1.7\n%...", content_type="application/pdf")
    return server.add_file("/night/rss.xml", "night-rss.xml", etag='"night-1"')


def saved_records(feed_folder: Path) -> dict[str, dict[str, str]]:
    """id -> record of every saved article file, checking each holds exactly one line."""
    found = {}
    for path in sorted((feed_folder / "feeds").rglob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1, path
        record = json.loads(lines[0])
        found[record["id"]] = record | {"_path": path}
    return found


# fetching


def test_rss_and_atom_items_are_saved_one_file_each(server: FeedServer, feed_folder: Path) -> None:
    harbor, valley = serve_harbor(server), serve_valley(server)
    add_feed(feed_folder, harbor)
    add_feed(feed_folder, valley)
    events: list[str] = []
    report = fetch_feeds(feed_folder, on_event=events.append)

    assert report.summary() == "5 new articles from 2 feeds"
    assert (report.feeds, report.read, report.skipped, report.failed) == (2, 2, (), ())
    records = saved_records(feed_folder)
    assert set(records) == {server.url(p) for p in [*HARBOR, *VALLEY]}
    assert sorted(report.saved) == sorted(r["_path"] for r in records.values())

    host = f"127.0.0.1_{server.base.rsplit(':', 1)[1]}"
    port = records[server.url("/harbor/business/port-container-record.html")]
    assert port["_path"] == (
        feed_folder / "feeds" / host / "2024-03-05-port-of-kestrel-bay-sets-container-record.jsonl"
    )
    assert port["url"] == port["id"]
    assert port["title"] == "Port of Kestrel Bay sets container record"
    assert port["published"] == "2024-03-05T09:30:00+00:00"  # the feed's pubDate
    assert port["source"] == "Harbor Gazette"
    assert "handled 412,000 containers in February" in port["text"]
    for boilerplate in ("Subscribe", "Most read", "All rights reserved"):
        assert boilerplate not in port["text"]

    # No pubDate in the feed: the date comes from the page's <time datetime>.
    lighthouse = records[server.url("/harbor/local/gull-point-lighthouse.html")]
    assert lighthouse["published"] == "2024-03-07"
    assert lighthouse["_path"].name.startswith("2024-03-07-gull-point-lighthouse")

    rail = records[server.url("/valley/2024/04/05/railway-reopens.html")]
    assert rail["source"] == "Valley Ledger"
    assert rail["title"] == "Ardent Valley railway reopens after 41 years"
    assert rail["published"] == "2024-04-05T11:00:00+00:00"  # Atom's <published>
    assert "312 passengers" in rail["text"]

    # The articles folder reads them with no change: ids are the item URLs.
    read = read_folder(feed_folder)
    assert set(records) <= {a.id for a in read.articles}
    assert not [w for w in read.warnings if "feeds" in w]

    # Every request said who it was; every saved item was told.
    agents = {h["user-agent"] for hs in server.headers.values() for h in hs}
    assert agents == {f"askbrief/{__version__} (+feeds)"}
    assert len([e for e in events if ": saved as " in e]) == 5
    assert not list(feed_folder.rglob("*.tmp"))  # no temp file left behind


def test_a_second_fetch_is_conditional_and_saves_nothing(
    server: FeedServer, feed_folder: Path
) -> None:
    add_feed(feed_folder, serve_harbor(server))
    add_feed(feed_folder, serve_valley(server))
    fetch_feeds(feed_folder)
    before = {p: p.read_bytes() for p in (feed_folder / "feeds").rglob("*.jsonl")}
    state = json.loads((feed_folder / STATE_FILE).read_text(encoding="utf-8"))
    assert set(state["items"]) == {server.url(p) for p in [*HARBOR, *VALLEY]}

    events: list[str] = []
    again = fetch_feeds(feed_folder, on_event=events.append)
    assert again.saved == () and again.summary() == "0 new articles from 2 feeds"
    assert server.requests["/harbor/rss.xml"] == 2
    assert server.headers["/harbor/rss.xml"][0].get("if-none-match") is None
    assert server.headers["/harbor/rss.xml"][1]["if-none-match"] == '"harbor-1"'
    assert (
        server.headers["/valley/atom.xml"][1]["if-modified-since"]
        == "Fri, 05 Apr 2024 13:20:00 GMT"
    )
    assert all(server.requests[p] == 1 for p in [*HARBOR, *VALLEY])  # no page twice
    assert sum("not modified since the last fetch" in e for e in events) == 2
    assert {p: p.read_bytes() for p in (feed_folder / "feeds").rglob("*.jsonl")} == before


def test_a_feed_that_gains_an_item_adds_exactly_that_item(
    server: FeedServer, feed_folder: Path
) -> None:
    server.add_file("/civic/library-expansion.html", "civic-library-budget.html")
    server.add_file("/civic/first-city-archivist.html", "civic-archivist.html")
    feed = server.add_file("/civic/rss.xml", "civic-before.xml", etag='"civic-1"')
    add_feed(feed_folder, feed)
    first = fetch_feeds(feed_folder)
    assert [json.loads(p.read_text())["id"] for p in first.saved] == [
        server.url("/civic/library-expansion.html")
    ]

    server.add_file("/civic/rss.xml", "civic-after.xml", etag='"civic-2"')
    second = fetch_feeds(feed_folder)
    assert server.headers["/civic/rss.xml"][1]["if-none-match"] == '"civic-1"'
    assert [json.loads(p.read_text())["id"] for p in second.saved] == [
        server.url("/civic/first-city-archivist.html")
    ]
    assert second.summary() == "1 new article from 1 feed"
    assert server.requests["/civic/library-expansion.html"] == 1
    archivist = saved_records(feed_folder)[server.url("/civic/first-city-archivist.html")]
    assert "Priya Natarajan" in archivist["text"] and archivist["source"] == "Oakhurst Civic Notes"

    third = fetch_feeds(feed_folder)  # the new ETag was kept
    assert third.saved == () and server.headers["/civic/rss.xml"][2]["if-none-match"] == (
        '"civic-2"'
    )


def test_failures_are_one_line_each_and_the_rest_go_on(
    server: FeedServer, feed_folder: Path
) -> None:
    harbor, night = serve_harbor(server), serve_night(server)
    broken = server.add_file("/broken/feed.xml", "malformed.xml")
    error = server.add("/error/feed.xml", "Internal Server Error", status=500)
    missing = server.url("/gone/feed.xml")
    for url in (night, broken, missing, error, harbor):
        add_feed(feed_folder, url)
    # One bad line in a hand-edited feeds.txt is a failed feed, not a crash.
    with (feed_folder / FEEDS_FILE).open("a", encoding="utf-8") as out:
        out.write("www.example.com/feed.xml\n")

    events: list[str] = []
    started = time.monotonic()
    report = fetch_feeds(feed_folder, timeout=1.0, max_bytes=300_000, on_event=events.append)
    assert time.monotonic() - started < 15  # the 3 s page was given up after 1 s

    assert all("\n" not in e for e in events)
    assert report.summary() == "4 new articles from 2 feeds; 6 items skipped; 4 feeds failed"
    assert not report.all_failed
    failed = {f.url: f.reason for f in report.failed}
    assert failed[missing] == "HTTP 404"
    assert failed[error] == "HTTP 500"
    assert failed[broken].startswith("not an RSS or Atom feed (")
    assert failed["www.example.com/feed.xml"] == "not an http(s) URL"
    for url, why in failed.items():
        assert [e for e in events if url in e] == [f"feeds: {url}: {why}; skipped"]

    skipped = {s.url.removeprefix(server.base): s.reason for s in report.skipped}
    assert skipped == {
        "/night/corran-bridge-drivers.html": "same text as "
        + server.url("/night/corran-bridge-closed.html")
        + ", already saved",
        "/night/council-meeting-moved.html": "HTTP 404",
        "/night/storm-power-cut.html": "no answer within 1 s",
        "/night/regional-budget-full-text.html": "too large (over 293 KB)",
        "/night/storm-in-pictures.html": "not an article (only 1 word of text)",
        "/night/inspection-report.pdf": "not an article (content type application/pdf)",
    }
    for s in report.skipped:
        lines = [e for e in events if e.startswith(f"{s.url}:")]
        assert len(lines) == 1 and lines[0].startswith(f"{s.url}: {s.reason}; skipped")
    # The oversized page was cut off while streaming, not read to its end.
    assert server.completed["/night/regional-budget-full-text.html"] is False

    ids = set(saved_records(feed_folder))
    assert ids == {server.url(p) for p in HARBOR} | {server.url("/night/corran-bridge-closed.html")}


def test_a_transient_failure_is_retried_and_the_rest_is_not(
    server: FeedServer, feed_folder: Path
) -> None:
    night = serve_night(server)
    add_feed(feed_folder, night)
    first = fetch_feeds(feed_folder, timeout=1.0, max_bytes=300_000)
    assert len(first.saved) == 1 and len(first.skipped) == 6

    # The timed-out page answers now. The feed's ETag was not kept (a 304 would hide the
    # item), so the feed is read whole; only that item is downloaded again.
    server.routes["/night/storm-power-cut.html"].delay = 0.0
    second = fetch_feeds(feed_folder, timeout=1.0, max_bytes=300_000)
    assert server.headers["/night/rss.xml"][1].get("if-none-match") is None
    assert second.summary() == "1 new article from 1 feed"
    storm = saved_records(feed_folder)[server.url("/night/storm-power-cut.html")]
    assert "8,400 homes" in storm["text"]
    for path in (
        "/night/council-meeting-moved.html",
        "/night/regional-budget-full-text.html",
        "/night/storm-in-pictures.html",
        "/night/inspection-report.pdf",
        "/night/corran-bridge-drivers.html",
    ):
        assert server.requests[path] == 1, path

    third = fetch_feeds(feed_folder, timeout=1.0, max_bytes=300_000)
    assert third.saved == () and server.headers["/night/rss.xml"][2]["if-none-match"] == (
        '"night-1"'
    )


@pytest.mark.parametrize("damage", ["deleted", "corrupt"])
def test_a_lost_state_file_loses_nothing(
    server: FeedServer, feed_folder: Path, damage: str
) -> None:
    add_feed(feed_folder, serve_harbor(server))
    fetch_feeds(feed_folder)
    before = {p: p.read_bytes() for p in (feed_folder / "feeds").rglob("*.jsonl")}
    state = feed_folder / STATE_FILE
    if damage == "deleted":
        state.unlink()
    else:
        state.write_text('{"items": {"http://half', encoding="utf-8")

    events: list[str] = []
    report = fetch_feeds(feed_folder, on_event=events.append)
    assert report.saved == () and report.skipped == ()
    assert any("rebuilt from the 3 saved article file(s)" in e for e in events)
    assert all(server.requests[p] == 1 for p in HARBOR)  # known again by their ids
    assert {p: p.read_bytes() for p in (feed_folder / "feeds").rglob("*.jsonl")} == before
    assert len(json.loads(state.read_text(encoding="utf-8"))["items"]) == 3


def test_every_feed_failing_is_reported_as_such(server: FeedServer, feed_folder: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    add_feed(feed_folder, server.url("/nothing/here.xml"))
    add_feed(feed_folder, f"http://127.0.0.1:{closed}/closed-port.xml")
    events: list[str] = []
    report = fetch_feeds(feed_folder, timeout=1.0, on_event=events.append)
    assert report.all_failed and report.saved == ()
    assert report.summary() == "0 new articles from 0 feeds; 2 feeds failed"
    assert events[0].endswith("HTTP 404; skipped")
    assert re.fullmatch(
        rf"feeds: http://127\.0\.0\.1:{closed}/closed-port\.xml: cannot connect \(.+\); skipped",
        events[1],
    )


def test_download_keeps_its_limits_on_any_client(server: FeedServer) -> None:
    url = server.add("/big.html", "<p>" + "word " * 2000 + "</p>")
    with httpx.Client(headers={"User-Agent": "someone-else"}) as client:
        with pytest.raises(FetchError, match=r"too large \(over 1 KB\)") as err:
            download(client, url, max_bytes=1024)  # refused on its Content-Length
        assert not err.value.transient
        got = download(client, url)
    assert got.status == 200 and len(got.body) > 10_000
    assert {h["user-agent"] for h in server.headers["/big.html"]} == {
        f"askbrief/{__version__} (+feeds)"
    }


# answers and the command line


def test_fetched_articles_answer_questions(
    server: FeedServer, feed_folder: Path, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    from askbrief.ask.index import Index

    add_feed(feed_folder, serve_harbor(server))
    add_feed(feed_folder, serve_valley(server))
    fetch_feeds(feed_folder)
    settings = Settings.load(articles_dir=feed_folder, index_dir=tmp_path / "idx")
    build_index(settings, embedder)
    idx = Index(settings, embedder)
    try:
        cases = {
            "How many containers did the Port of Kestrel Bay handle?": (
                "/harbor/business/port-container-record.html",
                "412,000",
            ),
            "How many passengers were on the first train of the Ardent Valley railway?": (
                "/valley/2024/04/05/railway-reopens.html",
                "312 passengers",
            ),
        }
        for question, (path, fact) in cases.items():
            answer = idx.ask(question)
            assert answer.answered, question
            first = answer.quotes[0]
            assert first.article_id == server.url(path)
            assert fact in first.text
            for q in answer.quotes:
                assert idx.article(q.article_id).text[q.start : q.end] == q.text
    finally:
        idx.store.close()


def test_cli_feeds_and_fetch(server: FeedServer, tmp_path: Path) -> None:
    from askbrief.cli.main import cli

    articles, index = tmp_path / "articles", tmp_path / "idx"
    unset = ("ASKBRIEF_STORE", "ASKBRIEF_INDEX_DIR", "ASKBRIEF_ARTICLES_DIR")
    env: dict[str, str | None] = {"HF_HUB_OFFLINE": "1", **dict.fromkeys(unset)}

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    harbor, valley = serve_harbor(server), serve_valley(server)
    added = run("feeds", "add", harbor, "--articles", str(articles))
    assert added.exit_code == 0, added.output
    assert added.output == f"added {harbor} to {articles / FEEDS_FILE} (1 feed)\n"
    assert run("feeds", "add", valley, "--articles", str(articles)).exit_code == 0

    dup = run("feeds", "add", harbor, "--articles", str(articles))
    assert dup.exit_code == 1
    assert dup.output == f"Error: {harbor}: already in {articles / FEEDS_FILE}; nothing to add\n"
    bad = run("feeds", "add", "feed.example.com/rss", "--articles", str(articles))
    assert bad.exit_code == 1 and len(bad.output.splitlines()) == 1
    assert "not an http(s) URL" in bad.output

    listed = run("feeds", "list", "--articles", str(articles))
    assert listed.exit_code == 0
    assert listed.stdout == f"{harbor}\n{valley}\n"
    assert f"2 feeds in {articles / FEEDS_FILE}" in listed.output

    fetched = run("fetch", "--articles", str(articles), "--index", str(index), "--quiet")
    assert fetched.exit_code == 0, fetched.output
    lines = fetched.stdout.splitlines()
    assert lines[0] == "5 new articles from 2 feeds"
    assert re.match(r"added \d+, updated 0, removed 0, unchanged 0; ", lines[1])
    assert fetched.output.count(": saved as ") == 5

    asked = run(
        "query", "--index", str(index), "--json", "What pay raise has Brightwater Lines offered?"
    )
    answer = json.loads(asked.stdout)
    assert answer["answered"]
    strike = server.url("/harbor/transport/ferry-crews-vote-to-strike.html")
    assert answer["quotes"][0]["article_id"] == strike
    assert any(s["url"] == strike and s["source"] == "Harbor Gazette" for s in answer["sources"])

    again = run("fetch", "--articles", str(articles), "--index", str(index), "--quiet")
    assert again.exit_code == 0
    assert again.stdout.splitlines()[0] == "0 new articles from 2 feeds"
    assert "unchanged" in again.stdout and "; 0 passages embedded" in again.stdout

    # --no-index saves and stops; every feed failing is one line and a non-zero exit.
    other = tmp_path / "other"
    run("feeds", "add", server.url("/nope.xml"), "--articles", str(other))
    failed = run("fetch", "--articles", str(other), "--index", str(tmp_path / "idx2"))
    assert failed.exit_code == 1
    assert failed.stderr.splitlines()[-1] == (
        f"Error: every feed failed (1 feed in {other / FEEDS_FILE}); "
        "nothing fetched: check the URLs and the network"
    )
    assert not (tmp_path / "idx2").exists()
    run("feeds", "add", harbor, "--articles", str(other))
    quiet = run("fetch", "--articles", str(other), "--index", str(tmp_path / "idx3"), "--no-index")
    assert quiet.exit_code == 0
    assert quiet.stdout == "3 new articles from 1 feed; 1 feed failed\n"
    assert not (tmp_path / "idx3").exists()
