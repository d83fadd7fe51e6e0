"""Corrections: an item already saved is downloaded again now and then, and when its page's
text has changed the new text replaces the saved one, in the same file under the same id,
so the next index build keeps the old text as a version of the article.

When (`due`): only when a feed that answered (not 304) lists the item again, and never
within MIN_GAP of its last check; then
- at once if the feed gives the item another update date than last time (Atom <updated>,
  RSS dc:date or atom:updated): the site says it changed;
- otherwise while the item is less than RECHECK_DAYS old (from its date, else from when it
  was saved), once its last check is at least 1/AGE_SHARE of its age ago: every fetch
  (10 minutes apart at least) in its first two hours, every 2 hours at a day old, every 14
  hours at a week. News is corrected mostly in its first hours and days, and the spacing
  keeps an item to some 70 requests over its week at most, whatever the poll interval.

How (`recheck`): a conditional GET with the ETag and Last-Modified the page sent last (304:
unchanged, one small request); else the article text is extracted as when it was saved and
compared with the saved text's hash (content_key, blind to white space). Only a changed text
rewrites the file; a failed re-check is one line and the saved text stays.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from askbrief.news.feed_store import FeedState, content_key, replace_text
from askbrief.news.fetching import Download, FetchError, read_page

RECHECK_DAYS = 7
MIN_GAP = timedelta(minutes=10)
AGE_SHARE = 12

Get = Callable[[str, dict[str, str]], Download]


@dataclass(frozen=True)
class Outcome:
    """What a re-check found: nothing to do (both None), a corrected file, or a problem."""

    corrected: Path | None = None
    problem: str | None = None  # the reason, for one line; the saved text is kept


def due(entry: Mapping[str, str], updated: str | None, now: datetime, saved: Path) -> bool:
    """Whether the saved item `entry` (FeedState.items), listed again with the update date
    `updated`, is to be re-checked `now`. Never when its file is gone (deleting it removes
    the article) or re-checks of it stopped."""
    if entry.get("stopped") or not saved.is_file():
        return False
    born = _when(entry.get("saved")) or _mtime(saved)
    last = _when(entry.get("checked")) or born
    since = now - last
    if since < MIN_GAP:
        return False
    if updated and entry.get("updated") and updated != entry["updated"]:
        return True
    published = _when(entry.get("published"))
    age = now - min(born, published) if published else now - born
    return age <= timedelta(days=RECHECK_DAYS) and since >= age / AGE_SHARE


def recheck(
    get: Get, state: FeedState, folder: Path, url: str, updated: str | None, now: datetime
) -> Outcome:
    """Re-check the saved item `url` if it is due (else only note the feed's update date the
    first time one is given), and save its page's new text if it changed."""
    entry = state.items[url]
    path = folder / entry["path"]
    if not due(entry, updated, now, path):
        if updated and not entry.get("updated"):
            state.note(url, updated=updated)  # what a later update date is compared with
        return Outcome()
    state.note(url, checked=now.isoformat(timespec="seconds"))
    try:
        got = get(url, page_validators(entry))
        if got.status == 304:
            state.note(url, updated=updated or entry.get("updated"))
            return Outcome()
        page = read_page(got)
    except FetchError as err:
        if err.transient:
            return Outcome(problem=f"{err.reason} (tried again later)")
        state.note(url, stopped=err.reason)  # gone, or no longer an article
        return Outcome(problem=f"{err.reason} (not re-checked again)")
    state.note(
        url,
        updated=updated or entry.get("updated"),
        etag=got.headers.get("etag"),
        last_modified=got.headers.get("last-modified"),
    )
    key = content_key(page.text)
    if key == entry.get("hash"):
        return Outcome()
    other = state.same_text(key)
    if other is not None and other != url:
        return Outcome(problem=f"now the same text as {other}")
    if not replace_text(path, url, page.text):
        state.note(url, stopped="saved file unreadable")
        return Outcome(problem=f"{path} could not be read (not re-checked again)")
    state.new_text(url, key)
    return Outcome(corrected=path)


def page_validators(entry: Mapping[str, str]) -> dict[str, str]:
    """Conditional GET headers for a saved item's page: the ETag and Last-Modified it sent."""
    sent = {}
    if entry.get("etag"):
        sent["If-None-Match"] = entry["etag"]
    if entry.get("last_modified"):
        sent["If-Modified-Since"] = entry["last_modified"]
    return sent


def _when(value: str | None) -> datetime | None:
    """An ISO 8601 date or time as an aware datetime (UTC when it names no zone)."""
    if not value:
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _mtime(path: Path) -> datetime:
    """When a file was last written: the saved time of an item whose state predates it."""
    with contextlib.suppress(OSError):
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return datetime.now(UTC)
