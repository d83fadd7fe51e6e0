"""News feeds into the articles folder: `feeds.txt` lists them, `fetch_feeds` saves new items.

`fetch_feeds` reads each RSS or Atom feed, downloads each item it has not seen, extracts the
article and saves it as a .jsonl file that the index reads like any other (feed_store.py).
An item saved before that the feed lists again is re-checked now and then, and its file gets
the new text when its page changed (corrections.py). A feed or an item that fails is
reported in one line and the rest go on; nothing saved before is lost. The network is
fetching.py; this module decides what to fetch and keep. It knows nothing of the CLI: what
happens is told to `on_event`, one line at a time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from askbrief.errors import FeedError
from askbrief.ingest.articles import FEEDS_FILE
from askbrief.news.corrections import recheck
from askbrief.news.feed_store import FeedState, atomic_write, content_key, host_folder, save_article
from askbrief.news.fetching import (
    MAX_BYTES,
    TIMEOUT,
    Download,
    FeedItem,
    FetchError,
    download,
    new_client,
    parse_feed,
    read_page,
)
from askbrief.text import counted

FEEDS_HEADER = (
    "# Feeds `askbrief fetch` reads: one RSS or Atom feed URL a line; lines starting with #\n"
    "# are comments. Add one with `askbrief feeds add URL`.\n"
)


@dataclass(frozen=True)
class Skipped:
    url: str  # the item's link (or its feed's URL, for an item without a link)
    reason: str


@dataclass(frozen=True)
class FeedFailure:
    url: str
    reason: str


@dataclass(frozen=True)
class FetchReport:
    feeds: int  # feeds listed in feeds.txt
    read: int  # feeds that answered: with new items, none, or "not modified"
    saved: tuple[Path, ...] = ()  # the article files written, in order
    skipped: tuple[Skipped, ...] = ()  # items not saved this time, and why
    failed: tuple[FeedFailure, ...] = ()  # feeds that could not be read, and why
    corrected: tuple[Path, ...] = ()  # saved articles given their page's new text
    recheck_failed: tuple[Skipped, ...] = ()  # re-checks that failed (saved text kept)

    @property
    def all_failed(self) -> bool:
        """Nothing worked: every feed failed (the CLI exits non-zero then)."""
        return self.read == 0

    def summary(self) -> str:
        """'3 new articles from 2 feeds; 1 corrected article; 1 item skipped; 1 feed failed'."""
        parts = [f"{counted(len(self.saved), 'new article')} from {counted(self.read, 'feed')}"]
        if self.corrected:
            parts.append(counted(len(self.corrected), "corrected article"))
        if self.skipped:
            parts.append(f"{counted(len(self.skipped), 'item')} skipped")
        if self.failed:
            parts.append(f"{counted(len(self.failed), 'feed')} failed")
        if self.recheck_failed:
            parts.append(f"{counted(len(self.recheck_failed), 're-check')} failed")
        return "; ".join(parts)


def read_feeds(articles_dir: Path | str) -> list[str]:
    """The feed URLs in `<articles_dir>/feeds.txt`, in order, without repeats; [] when there
    is no such file. Blank lines and `#` comments are skipped, and so is anything after the
    URL on its line. Entries are not checked here: `fetch_feeds` reports a bad one."""
    path = Path(articles_dir) / FEEDS_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as err:
        why = getattr(err, "strerror", None) or "not UTF-8 text"
        raise FeedError(f"{path}: cannot read ({why}); fix or remove it") from None
    urls: list[str] = []
    keys: set[str] = set()
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if _key(words[0]) not in keys:
            keys.add(_key(words[0]))
            urls.append(words[0])
    return urls


def add_feed(articles_dir: Path | str, url: str) -> None:
    """Append `url` to `<articles_dir>/feeds.txt` (created, with its folder, if missing).
    Raises FeedError for a URL that is not http(s) or is already listed."""
    url = check_url(url)
    folder = Path(articles_dir)
    path = folder / FEEDS_FILE
    if _key(url) in {_key(known) for known in read_feeds(folder)}:
        raise FeedError(f"{url}: already in {path}; nothing to add")
    folder.mkdir(parents=True, exist_ok=True)
    old = path.read_text(encoding="utf-8-sig") if path.exists() else FEEDS_HEADER
    if old and not old.endswith("\n"):
        old += "\n"
    atomic_write(path, f"{old}{url}\n")


def check_url(url: str) -> str:
    """`url` without surrounding space, if it is an http(s) URL with a host; else FeedError."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        _ = parts.port  # a port that is not a number raises ValueError
    except ValueError:
        ok = False
    if not ok or any(ch.isspace() for ch in url):
        raise FeedError(
            f"{url!r} is not an http(s) URL; give a feed's address, "
            "such as https://example.com/feed.xml"
        )
    return url


def fetch_feeds(
    articles_dir: Path | str,
    *,
    client: httpx.Client | None = None,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    on_event: Callable[[str], None] | None = None,
) -> FetchReport:
    """Fetch every feed in `<articles_dir>/feeds.txt` and save its new items as articles.

    Feeds are asked with a conditional GET (their last ETag / Last-Modified), so an
    unchanged feed costs one small request. Each new item's page is downloaded (`timeout`
    seconds, at most `max_bytes`), its article extracted and saved as
    `<articles_dir>/feeds/<host>/<date>-<slug>.jsonl`, unless the same text was already
    saved under another URL. An item saved before is re-checked when it is due
    (corrections.py) and its file rewritten with the new text if its page changed
    (`corrected` in the report). A failing feed or item is told to `on_event` in one line and
    the rest go on. Does not index: call build_index afterwards. Safe to call repeatedly
    (a poller); two calls on one folder take turns. `client` (for tests, or a proxy
    setup) is used as is and not closed.

    Raises FeedError only when feeds.txt lists no feeds. Returns a FetchReport; its
    `all_failed` is True when no feed could be read at all.
    """
    folder = Path(articles_dir)
    say = on_event or (lambda _message: None)
    urls = read_feeds(folder)
    if not urls:
        raise FeedError(
            f"{folder / FEEDS_FILE}: no feeds listed; add one with `askbrief feeds add URL`"
        )
    run = _Run(say, timeout, max_bytes)
    with _lock(folder, say), _client(client, timeout) as http:
        run.http = http
        run.state = FeedState.load(folder, say)
        for url in urls:
            run.feed(folder, url)
    return FetchReport(
        feeds=len(urls),
        read=run.read,
        saved=tuple(run.saved),
        skipped=tuple(run.skipped),
        failed=tuple(run.failed),
        corrected=tuple(run.corrected),
        recheck_failed=tuple(run.recheck_failed),
    )


@dataclass
class _Run:
    """One fetch_feeds call: its settings and what it has done so far."""

    say: Callable[[str], None]
    timeout: float
    max_bytes: int
    http: httpx.Client = field(init=False)
    state: FeedState = field(init=False)
    read: int = 0
    saved: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failed: list[FeedFailure] = field(default_factory=list)
    corrected: list[Path] = field(default_factory=list)
    recheck_failed: list[Skipped] = field(default_factory=list)
    rechecked: set[str] = field(default_factory=set)  # once per run, though two feeds list it
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def feed(self, folder: Path, url: str) -> None:
        """One feed: read it, then each new item. Its ETag is kept only when no item needs
        another try, or a 304 next time would hide those items."""
        try:
            check_url(url)
            got = self._get(url, self.state.validators(url))
            if got.status == 304:
                self.read += 1
                self.say(f"feeds: {url}: not modified since the last fetch")
                return
            feed = parse_feed(got)
        except (FeedError, FetchError) as err:
            why = err.reason if isinstance(err, FetchError) else "not an http(s) URL"
            self.failed.append(FeedFailure(url, why))
            self.say(f"feeds: {url}: {why}; skipped")
            return
        self.read += 1
        if feed.problem:
            self.say(f"feeds: {url}: read despite a problem ({feed.problem})")
        source = feed.title or (urlsplit(url).hostname or host_folder(url))
        retry = False
        try:
            for item in feed.items:
                retry |= self._item(folder, url, source, item)
            if retry:
                self.state.forget_validators(url)
            else:
                self.state.remember_validators(url, got.headers)
        finally:  # also on Ctrl-C or a full disk: what was saved stays known
            self.state.save()

    def _item(self, folder: Path, feed_url: str, source: str, item: FeedItem) -> bool:
        """Save one item unless seen before; True if it failed in a way worth retrying."""
        if item.url is None:
            self._skip(feed_url, f"item {item.title or '(untitled)'!r} has no link")
            return False
        if item.url in self.state.items:
            if item.url not in self.rechecked:
                self.rechecked.add(item.url)
                self._recheck(folder, item.url, item.updated)
            return False
        if self.state.seen(item.url):
            return False
        try:
            got = self._get(item.url)
            page = read_page(got)
        except FetchError as err:
            if err.transient:
                self._skip(item.url, err.reason, " (tried again on the next fetch)")
                return True
            self.state.reject(item.url, err.reason)
            self._skip(item.url, err.reason)
            return False
        key = content_key(page.text)
        first = self.state.same_text(key)
        if first is not None:
            self.state.reject(item.url, f"same text as {first}")
            self._skip(item.url, f"same text as {first}, already saved")
            return False
        record = {
            "id": item.url,
            "title": item.title or page.title or page.text.strip().splitlines()[0][:200],
            "text": page.text,
            "url": item.url,
            "published": item.published or page.date,
            "source": source,
        }
        path = save_article(folder, feed_url, record)
        self.state.add(
            item.url,
            path.relative_to(folder).as_posix(),
            key,
            saved=self.now.isoformat(timespec="seconds"),
            published=record["published"],
            updated=item.updated,
            etag=got.headers.get("etag"),
            last_modified=got.headers.get("last-modified"),
        )
        self.rechecked.add(item.url)
        self.saved.append(path)
        self.say(f"{item.url}: saved as {path}")
        return False

    def _recheck(self, folder: Path, url: str, updated: str | None) -> None:
        """Re-check a saved item if due; a changed page's text replaces the saved text."""
        found = recheck(self._get, self.state, folder, url, updated, self.now)
        if found.corrected is not None:
            self.corrected.append(found.corrected)
            self.say(f"{url}: changed at its URL; new text saved in {found.corrected}")
        elif found.problem is not None:
            self.recheck_failed.append(Skipped(url, found.problem))
            self.say(f"{url}: re-check failed: {found.problem}; saved text kept")

    def _get(self, url: str, headers: dict[str, str] | None = None) -> Download:
        return download(
            self.http, url, timeout=self.timeout, max_bytes=self.max_bytes, headers=headers
        )

    def _skip(self, url: str, reason: str, note: str = "") -> None:
        self.skipped.append(Skipped(url, reason))
        self.say(f"{url}: {reason}; skipped{note}")


@contextlib.contextmanager
def _client(given: httpx.Client | None, timeout: float) -> Iterator[httpx.Client]:
    if given is not None:
        yield given
        return
    with new_client(timeout) as made:
        yield made


@contextlib.contextmanager
def _lock(folder: Path, say: Callable[[str], None]) -> Iterator[None]:
    """One fetch at a time per articles folder (`askbrief fetch` beside `askbrief watch`):
    a second waits rather than download and save the same items twice. The lock is on the
    folder itself, so no lock file is left among the user's articles."""
    from askbrief.folder_lock import folder_lock

    def waiting() -> None:
        say(f"feeds: another fetch is saving into {folder}; waiting for it to finish")

    with folder_lock(folder, waiting):
        yield


def _key(url: str) -> str:
    """A URL as compared for duplicates: scheme and host in lower case, no fragment."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )
