"""The network side of feeds: one GET within askbrief's limits, a feed parsed, a page read.

Every request goes through `download`, so every one names askbrief in its User-Agent, gives
up after `timeout` seconds and stops reading at `max_bytes` while streaming (a page that
omits or misstates its length is cut off at the cap, never held whole in memory). What goes
wrong comes back as a FetchError whose reason is a short phrase for a one-line message.
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from askbrief import __version__
from askbrief.ingest.articles import extract_page
from askbrief.text import counted, first_line

USER_AGENT = f"askbrief/{__version__} (+feeds)"
TIMEOUT = 10.0  # seconds to connect, to answer and for the whole download
MAX_BYTES = 5 * 1024 * 1024  # a news page is well under 1 MB; this stops a runaway download
# Below this many words the page is a gallery, a video or a login wall, not an article:
# trafilatura (favor_recall, as articles.py reads .html) still finds a menu's "Home" there.
MIN_WORDS = 20
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class FetchError(Exception):
    """A feed or page that could not be used. `reason` is a short phrase ("HTTP 404");
    `transient` says whether trying again later may work (a timeout, a 503), which decides
    whether the item is retried on the next fetch."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True)
class Download:
    url: str  # where the body came from, after redirects
    status: int  # 2xx, or 304 when a conditional GET found nothing new
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass(frozen=True)
class FeedItem:
    url: str | None  # the item's link, absolute; None when the feed gives none
    title: str | None
    published: str | None  # ISO 8601 in UTC, from the feed's own date
    # the entry's own update date (Atom <updated>, RSS dc:date or atom:updated), ISO 8601 in
    # UTC; a new one on an item already saved gets its page re-checked (corrections.py)
    updated: str | None = None


@dataclass(frozen=True)
class Feed:
    title: str | None
    items: tuple[FeedItem, ...]
    problem: str | None = None  # feedparser's complaint about a feed it could still read


@dataclass(frozen=True)
class Page:
    title: str | None
    text: str
    date: str | None  # from the page's markup (meta tags, JSON-LD, <time>)


def new_client(timeout: float = TIMEOUT) -> httpx.Client:
    """The client `fetch_feeds` uses when it is given none."""
    return httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})


def download(
    client: httpx.Client,
    url: str,
    *,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    headers: Mapping[str, str] | None = None,
) -> Download:
    """GET `url`; a 304 comes back as is (for a conditional GET), anything else that is not a
    success raises FetchError. The User-Agent and the limits apply even on a caller's client."""
    sent = {"User-Agent": USER_AGENT, **(headers or {})}
    deadline = time.monotonic() + timeout
    try:
        with client.stream(
            "GET", url, headers=sent, timeout=timeout, follow_redirects=True
        ) as response:
            status = response.status_code
            if status == 304:
                return Download(str(response.url), status, dict(response.headers), b"")
            if not 200 <= status < 300:
                raise FetchError(f"HTTP {status}", transient=status >= 500 or status in (408, 429))
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise FetchError(_too_large(max_bytes))
            body = bytearray()
            for chunk in response.iter_bytes():  # decompressed: the cap also stops a zip bomb
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(_too_large(max_bytes))
                if time.monotonic() > deadline:
                    raise FetchError(f"still downloading after {timeout:g} s", transient=True)
            return Download(str(response.url), status, dict(response.headers), bytes(body))
    except httpx.TimeoutException:
        raise FetchError(f"no answer within {timeout:g} s", transient=True) from None
    except httpx.TooManyRedirects:
        raise FetchError("too many redirects") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL):
        raise FetchError("not an http(s) URL") from None
    except httpx.ConnectError as err:
        raise FetchError(f"cannot connect ({_message(err)})", transient=True) from None
    except httpx.HTTPError as err:
        raise FetchError(f"network error ({_message(err)})", transient=True) from None


def parse_feed(got: Download) -> Feed:
    """The items of an RSS or Atom feed, links made absolute against the feed's address.
    Raises FetchError when the body is not a feed (malformed XML with no items, an HTML page)."""
    import feedparser

    # A stream, never bytes or a string: feedparser would open those as a URL or a file path.
    parsed = feedparser.parse(
        io.BytesIO(got.body),
        response_headers={
            "content-location": got.url,
            "content-type": got.headers.get("content-type", ""),
        },
    )
    complaint = parsed.get("bozo_exception") if parsed.get("bozo") else None
    problem = _xml_problem(complaint) if complaint else None
    if not parsed.entries and (problem or not parsed.get("version")):
        raise FetchError("not an RSS or Atom feed" + (f" ({problem})" if problem else ""))
    items = tuple(
        FeedItem(
            _item_link(entry, got.url),
            _clean(entry.get("title")),
            _item_date(entry),
            _iso(dict.get(entry, "updated_parsed")),  # dict.get: no fallback to published
        )
        for entry in parsed.entries
    )
    return Feed(_clean(parsed.feed.get("title")), items, problem)


def read_page(got: Download) -> Page:
    """The article in a downloaded page: its main text, title and date, extracted by
    trafilatura as articles.py reads an .html file. Raises FetchError when the page is not
    an article (not HTML, or no text worth the name)."""
    kind = got.content_type
    if kind and kind not in HTML_TYPES:
        raise FetchError(f"not an article (content type {kind})")
    doc = extract_page(_html(got), got.url)
    text = (doc.text if doc is not None else None) or ""
    words = len(text.split())
    if not words:
        raise FetchError("not an article (no text found)")
    if words < MIN_WORDS:
        raise FetchError(f"not an article (only {counted(words, 'word')} of text)")
    assert doc is not None
    return Page(_clean(doc.title), text, doc.date or None)


def _html(got: Download) -> str | bytes:
    """Decoded with the charset the server named; without one, the bytes go to trafilatura,
    which reads the page's own <meta charset> or detects the encoding."""
    for param in got.headers.get("content-type", "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            try:
                return got.body.decode(value.strip().strip("\"'"), errors="replace")
            except LookupError:
                break  # an encoding Python does not know: let trafilatura detect it
    return got.body


def _item_link(entry: Mapping[str, object], base: str) -> str | None:
    """The page an item points to: its link, else an alternate link, else an id that is a URL."""
    candidates = [entry.get("link")]
    links = entry.get("links")
    for link in links if isinstance(links, list | tuple) else []:
        if isinstance(link, Mapping) and link.get("rel", "alternate") == "alternate":
            candidates.append(link.get("href"))
    candidates.append(entry.get("id"))
    for found in candidates:
        if isinstance(found, str) and found.strip():
            url = urljoin(base, found.strip())
            if urlsplit(url).scheme in ("http", "https"):
                return url
    return None


def _item_date(entry: Mapping[str, object]) -> str | None:
    """The item's publication date (else its update date) as ISO 8601; feedparser has
    already read any spelling and turned it to UTC."""
    for key in ("published_parsed", "updated_parsed"):
        found = _iso(entry.get(key))
        if found is not None:
            return found
    return None


def _iso(when: object) -> str | None:
    """A date feedparser read (a time.struct_time, which is a tuple, in UTC) as ISO 8601."""
    if when and isinstance(when, tuple):
        try:
            return datetime(*when[:6]).replace(tzinfo=UTC).isoformat()
        except (TypeError, ValueError):
            return None
    return None


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


def _too_large(max_bytes: int) -> str:
    if max_bytes >= 1_048_576:
        return f"too large (over {max_bytes / 1_048_576:.3g} MB)"
    return f"too large (over {max_bytes / 1024:.3g} KB)"


def _xml_problem(err: object) -> str:
    """feedparser's complaint, readable: 'unclosed token at line 9' for an XML error."""
    line = getattr(err, "getLineNumber", None)
    message = getattr(err, "getMessage", None)
    if callable(line) and callable(message):
        return f"{message()} at line {line()}"
    return _message(err)


def _message(err: object) -> str:
    """An error's message in one line, else the error's type: "ConnectError"."""
    return first_line(str(err)) or type(err).__name__
