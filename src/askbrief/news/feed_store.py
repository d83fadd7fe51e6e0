"""What `askbrief fetch` keeps on disk: one .jsonl file per article, and the state file.

Articles go to `<articles>/feeds/<feed host>/<YYYY-MM-DD>-<slug>.jsonl`, one JSON line in the
fields articles.py reads, so indexing needs nothing new. The state file,
`<articles>/.feeds-state.json` (a dotfile: the reader skips it), remembers each feed's
ETag and Last-Modified for conditional GETs, every item saved (URL, file, text hash, when
it was saved and last re-checked, its page's ETag and Last-Modified) and every item rejected
for good, so no page is downloaded twice but to re-check it for a correction
(corrections.py). Losing it loses nothing: the saved files are scanned to rebuild what was
saved. Every write is a temp file and os.replace, so a crash leaves the old file or the new
one, never half of one; a correction rewrites only the text of its item's file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from askbrief.dates import parse_date

FEEDS_DIR = "feeds"
STATE_FILE = ".feeds-state.json"
STATE_VERSION = 2  # 2: items also have saved/checked times and page validators
SLUG_CHARS = 60


class FeedState:
    """The state file in memory; `save` writes it back (atomically)."""

    def __init__(self, path: Path, data: Mapping[str, Any]) -> None:
        self.path = path
        self.feeds: dict[str, dict[str, str]] = dict(data.get("feeds") or {})
        self.items: dict[str, dict[str, str]] = dict(data.get("items") or {})
        self.rejected: dict[str, str] = dict(data.get("rejected") or {})
        self._texts = {v["hash"]: url for url, v in self.items.items() if v.get("hash")}

    @classmethod
    def load(cls, folder: Path, say: Callable[[str], None]) -> FeedState:
        """The state of `folder`; when the file is missing or unreadable, what was saved is
        found again by scanning the saved files (their ids are the item URLs)."""
        path = folder / STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("items", {}), dict):
                raise ValueError("not a state object")
            return cls(path, data)
        except FileNotFoundError:
            lost = None
        except (OSError, ValueError) as err:
            lost = f"unreadable ({type(err).__name__}: {err})"
        items = scan_saved(folder)
        if lost is not None or items:
            why = lost or "missing"
            say(
                f"feeds: {path}: {why}; rebuilt from the {len(items)} saved article file(s) "
                f"under {folder / FEEDS_DIR}"
            )
        return cls(path, {"items": items})

    def validators(self, feed_url: str) -> dict[str, str]:
        """Conditional GET headers for a feed: its last ETag and Last-Modified, if any."""
        known = self.feeds.get(feed_url, {})
        sent = {}
        if known.get("etag"):
            sent["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            sent["If-Modified-Since"] = known["last_modified"]
        return sent

    def remember_validators(self, feed_url: str, headers: Mapping[str, str]) -> None:
        """Keep what the feed sent for next time, or forget old values it no longer sends."""
        entry = {"etag": headers.get("etag", ""), "last_modified": headers.get("last-modified", "")}
        kept = {k: v for k, v in entry.items() if v}
        if kept:
            self.feeds[feed_url] = kept
        else:
            self.feeds.pop(feed_url, None)

    def forget_validators(self, feed_url: str) -> None:
        """Ask for the whole feed next time: some of its items are still to be fetched."""
        self.feeds.pop(feed_url, None)

    def seen(self, url: str) -> bool:
        return url in self.items or url in self.rejected

    def same_text(self, key: str) -> str | None:
        """The URL of a saved item with this text, if any."""
        return self._texts.get(key)

    def add(self, url: str, path: str, key: str, **known: str | None) -> None:
        """A saved item; `known` adds what a re-check needs (corrections.py: `saved`,
        `published`, `updated`, the page's `etag` and `last_modified`); empty values are
        left out."""
        self.items[url] = {"path": path, "hash": key, **{k: v for k, v in known.items() if v}}
        self._texts.setdefault(key, url)

    def note(self, url: str, **known: str | None) -> None:
        """Update a saved item's entry: a value given replaces the old one, "" or None
        removes it."""
        entry = self.items[url]
        for name, value in known.items():
            if value:
                entry[name] = value
            else:
                entry.pop(name, None)

    def new_text(self, url: str, key: str) -> None:
        """A saved item's text was replaced by a correction."""
        old = self.items[url].get("hash")
        if old and self._texts.get(old) == url:
            del self._texts[old]
        self.items[url]["hash"] = key
        self._texts.setdefault(key, url)

    def reject(self, url: str, reason: str) -> None:
        self.rejected[url] = reason

    def save(self) -> None:
        data = {
            "version": STATE_VERSION,
            "feeds": self.feeds,
            "items": self.items,
            "rejected": self.rejected,
        }
        atomic_write(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def content_key(text: str) -> str:
    """The duplicate key articles.py uses: the text with runs of white space collapsed."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8", "surrogatepass")).hexdigest()


def scan_saved(folder: Path) -> dict[str, dict[str, str]]:
    """Item URL -> {"path", "hash"} for every article saved under `<folder>/feeds/`."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted((folder / FEEDS_DIR).rglob("*.jsonl")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        for record in _records(path):
            found.setdefault(
                record["id"],
                {"path": path.relative_to(folder).as_posix(), "hash": content_key(record["text"])},
            )
    return found


def replace_text(path: Path, item_id: str, text: str) -> bool:
    """Put `text` in place of the saved text of item `item_id` in `path`, keeping the file's
    name (so the article keeps its id) and the record's other fields (URL, title, date,
    source). False, with nothing written, when the file or its item is gone or unreadable."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    out, found = [], False
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict) and record.get("id") == item_id:
            record["text"], found = text, True
            line = json.dumps(record, ensure_ascii=False)
        out.append(line)
    if found:
        atomic_write(path, "\n".join(out) + "\n")
    return found


def save_article(folder: Path, feed_url: str, record: Mapping[str, Any]) -> Path:
    """Write one article as `<folder>/feeds/<host>/<date>-<slug>.jsonl`. A file of that name
    holding another item gets a -2, -3... name; one holding this item is rewritten."""
    where = folder / FEEDS_DIR / host_folder(feed_url)
    where.mkdir(parents=True, exist_ok=True)
    day = _day(record.get("published"))
    stem = f"{day}-{slug(record.get('title') or '', record['id'])}"
    path, n = where / f"{stem}.jsonl", 2
    while path.exists() and record["id"] not in {r["id"] for r in _records(path)}:
        path, n = where / f"{stem}-{n}.jsonl", n + 1
    atomic_write(path, json.dumps(dict(record), ensure_ascii=False) + "\n")
    return path


def host_folder(url: str) -> str:
    """A feed's host as a folder name: 'example.com', or '127.0.0.1_8080' with a port."""
    parts = urlsplit(url)
    host = (parts.hostname or "unknown-host").strip(".") or "unknown-host"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}_{port}" if port else host


def slug(title: str, url: str = "") -> str:
    """A file name from a title: ASCII words joined by '-', cut at a word; else from the URL."""
    for source in (title, Path(urlsplit(url).path).stem):
        flat = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode().lower()
        out = ""
        for word in re.findall(r"[a-z0-9]+", flat):
            if out and len(out) + 1 + len(word) > SLUG_CHARS:
                break
            out = f"{out}-{word}" if out else word[:SLUG_CHARS]
        if out:
            return out
    return "article"


def atomic_write(path: Path, text: str) -> None:
    """Write via a hidden temp file in the same folder (readers skip dotfiles) and os.replace."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes the file private (0600); an article is as readable as any other
        # file, and a rewritten feeds.txt keeps its mode.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _day(published: object) -> str:
    """The file name's date: the article's, else today's (UTC)."""
    found = parse_date(published) if isinstance(published, str) and published else None
    return (found or datetime.now(UTC).date()).isoformat()


def _records(path: Path) -> Iterator[dict[str, str]]:
    """The {"id", "text"} lines of a saved file; anything unreadable is passed over."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if (
            isinstance(record, dict)
            and isinstance(record.get("text"), str)
            and isinstance(record.get("id"), str)
        ):
            yield record
