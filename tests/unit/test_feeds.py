"""Feeds as a user runs them: feeds.txt, `fetch_feeds` against a local web server, the files
it saves, what it skips and why, conditional GETs, and answers from the fetched articles.

Everything is served from 127.0.0.1 by tests/support/feeds.py; fixtures are tests/data/feeds/.

Here, what needs no model and no index; the rest: tests/system/test_feeds.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from askbrief.errors import FeedError
from askbrief.ingest.articles import read_folder
from askbrief.news.feeds import FEEDS_FILE, add_feed, fetch_feeds, read_feeds

# feeds.txt


def test_feeds_txt_add_list_and_reject(feed_folder: Path) -> None:
    assert read_feeds(feed_folder) == []
    add_feed(feed_folder, "  https://news.example.com/rss.xml ")
    add_feed(feed_folder, "http://other.example.org/feed?format=atom")
    text = (feed_folder / FEEDS_FILE).read_text(encoding="utf-8")
    assert text.startswith("#")  # a new file explains itself
    assert read_feeds(feed_folder) == [
        "https://news.example.com/rss.xml",
        "http://other.example.org/feed?format=atom",
    ]

    # A duplicate (however the host is spelled) and anything but an http(s) URL: one line
    # naming the URL and what to do, and feeds.txt is unchanged.
    bad = [
        "HTTPS://NEWS.example.com/rss.xml",
        "ftp://example.com/feed.xml",
        "example.com/feed.xml",
        "http://",
        "https://example.com/a feed.xml",
        "http://example.com:port/feed",
    ]
    for url in bad:
        with pytest.raises(FeedError) as err:
            add_feed(feed_folder, url)
        assert "\n" not in str(err.value)
    with pytest.raises(FeedError, match="already in .*feeds.txt"):
        add_feed(feed_folder, "https://news.example.com/rss.xml")
    with pytest.raises(FeedError, match="not an http\\(s\\) URL"):
        add_feed(feed_folder, "ftp://example.com/feed.xml")
    assert (feed_folder / FEEDS_FILE).read_text(encoding="utf-8") == text

    # Hand edits: comments, blank lines, a note after the URL, no final newline.
    (feed_folder / FEEDS_FILE).write_text(
        "# my feeds\n\nhttps://a.example/rss  # the A feed\n   \nhttps://a.example/rss\n"
        "https://b.example/atom",
        encoding="utf-8",
    )
    assert read_feeds(feed_folder) == ["https://a.example/rss", "https://b.example/atom"]
    add_feed(feed_folder, "https://c.example/feed")
    assert read_feeds(feed_folder)[-1] == "https://c.example/feed"
    assert (
        (feed_folder / FEEDS_FILE)
        .read_text(encoding="utf-8")
        .endswith("https://b.example/atom\nhttps://c.example/feed\n")
    )


def test_no_feeds_is_a_one_line_error(feed_folder: Path) -> None:
    feed_folder.mkdir()
    with pytest.raises(FeedError, match="no feeds listed; add one with `askbrief feeds add URL`"):
        fetch_feeds(feed_folder)


def test_feeds_txt_is_not_an_article(feed_folder: Path) -> None:
    add_feed(feed_folder, "https://news.example.com/rss.xml")
    (feed_folder / "story.txt").write_text("A story\n\nIt happened.\n", encoding="utf-8")
    assert [a.id for a in read_folder(feed_folder).articles] == ["story.txt"]
