"""Keep an index up to date with its articles folder: one incremental build at the start,
then one each time changes to the folder settle, until stopped; optionally polling the
news feeds listed in <articles>/feeds.txt as well (`askbrief watch [--feeds]`).

Changes come from watchfiles (inotify and its kin) and are grouped here: a build starts once
the folder has been quiet for `debounce_ms`, so a burst of 200 files is one build, not 200.
Changes that arrive during a build wait in the watcher and start the next one. A change to
an article file always builds; any other change (a folder moved in or out, a file gone)
builds only if the article files a build would read differ from those of the last build,
so a new empty folder or an editor's scratch file costs nothing.

The library never prints: builds, errors and feed fetches go to callbacks, which the CLI
draws. Readers need nothing from here: an open Index moves to the new generation on its
next question (index.py), and the web UI's status line on its next refresh.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from askbrief.config import Settings
from askbrief.errors import AskbriefError
from askbrief.ingest.articles import FEEDS_FILE, SUPPORTED_SUFFIXES, iter_article_files
from askbrief.ingest.embedding import Embedder
from askbrief.ingest.prepare import Progress
from askbrief.records import BuildReport
from askbrief.store.build import build_index

DEBOUNCE_MS = 1_000  # quiet time after the last change before a build starts
MAX_WAIT_S = 30.0  # a folder that is never quiet is still indexed this often
TICK_MS = 250  # the loop wakes at least this often: to build, poll feeds, notice a stop
STEP_MS = 50  # watchfiles hands over what it has once no new change came for this long
FEEDS_EVERY = 900.0  # seconds between feed polls by default (askbrief watch --feeds)

# What a build would read: (path, size, mtime, ctime, inode) of every article file.
Fingerprint = tuple[tuple[str, int, int, int, int], ...]


@dataclass(frozen=True)
class Listeners:
    """Where a watch reports: every build, every failure (one line), each feed fetch (its
    FetchReport) and what happened during it (one line each), a wait for another build's
    lock, and build progress."""

    on_build: Callable[[BuildReport], None]
    on_error: Callable[[str], None]
    on_feeds: Callable[[Any], None] | None = None
    on_feed_event: Callable[[str], None] | None = None
    on_wait: Callable[[str], None] | None = None
    progress: Progress | None = None


def watch_folder(
    settings: Settings,
    *,
    on_build: Callable[[BuildReport], None],
    on_error: Callable[[str], None],
    debounce_ms: int = DEBOUNCE_MS,
    stop: threading.Event | None = None,
    feeds_every: float | None = None,
    on_feeds: Callable[[Any], None] | None = None,
    on_feed_event: Callable[[str], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
) -> None:
    """Build now, then after each settled burst of changes, until `stop` is set (in the main
    thread Ctrl-C raises KeyboardInterrupt, left to the caller). A build that fails goes to
    `on_error` and watching goes on. Every `feeds_every` seconds (None: never) the feeds of
    <articles>/feeds.txt are fetched (feeds.fetch_feeds: its report to `on_feeds`, its
    events to `on_feed_event`); the files they save are indexed like any other change. A missing folder is an error at the
    start; one that goes away later is waited for."""
    if not settings.articles_dir.is_dir():
        raise AskbriefError(
            f"{settings.articles_dir}: no such folder; put articles there or pass --articles DIR"
        )
    if debounce_ms < 0:
        raise AskbriefError("debounce must be 0 ms or more")
    if feeds_every is not None and feeds_every <= 0:
        raise AskbriefError("feeds must be fetched every so many seconds, more than 0")
    listeners = Listeners(on_build, on_error, on_feeds, on_feed_event, on_wait, progress)
    watcher = _Watcher(settings, embedder or Embedder(), listeners, stop or threading.Event())
    watcher.run(debounce_ms / 1000, feeds_every)


class _Watcher:
    """The watch loop and what it remembers between builds."""

    def __init__(
        self, settings: Settings, embedder: Embedder, listeners: Listeners, stop: threading.Event
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.listeners = listeners
        self.stop = stop
        self.root = settings.articles_dir.resolve()
        where = settings.location.path
        self.index_path = where.expanduser().resolve() if where is not None else None
        self.built: Fingerprint | None = None  # the folder as the last build found it
        self.first_change: float | None = None  # pending changes: the first and the last
        self.last_change = 0.0
        self.articles_changed = False  # an article file among them: build for sure

    def run(self, debounce: float, feeds_every: float | None) -> None:
        from watchfiles import watch

        next_feeds = time.monotonic()
        catch_up = True  # the first build, or one after the folder came back
        while not self.stop.is_set():
            if not self._wait_for_folder():
                return
            identity = _identity(self.root)
            # Filtered here, not by watchfiles: a filter there would also swallow the
            # timeouts this loop lives on whenever only ignored files keep changing.
            changes = watch(
                self.root,
                watch_filter=None,
                step=STEP_MS,
                rust_timeout=TICK_MS,
                yield_on_timeout=True,
                stop_event=self.stop,
                ignore_permission_denied=True,  # an unreadable sub-folder: a build warns of it
            )
            try:
                for batch in changes:
                    now = time.monotonic()
                    if catch_up:
                        # Only now is the watcher running, so nothing after this read is missed.
                        catch_up = False
                        self._build(force=self.built is None)
                        continue
                    self._note(batch, now)
                    if self.first_change is not None and (
                        now - self.last_change >= debounce or now - self.first_change >= MAX_WAIT_S
                    ):
                        self._build(force=self.articles_changed)
                    if feeds_every is not None and time.monotonic() >= next_feeds:
                        self._fetch_feeds()
                        next_feeds = time.monotonic() + feeds_every
                    if _identity(self.root) != identity:
                        self.listeners.on_error(
                            f"{self.settings.articles_dir}: folder moved or deleted; "
                            "waiting for it to come back"
                        )
                        catch_up = True
                        break
            finally:
                changes.close()

    def _wait_for_folder(self) -> bool:
        """True once the articles folder exists; False if stopped first."""
        while not self.root.is_dir():
            if self.stop.wait(TICK_MS / 1000):
                return False
        return True

    def _note(self, batch: Iterable[tuple[Any, str]], now: float) -> None:
        """Remember when relevant changes came, and whether an article file was among them."""
        for _, raw in batch:
            path = Path(raw)
            kind = self._kind(path)
            if kind is None:
                continue
            if self.first_change is None:
                self.first_change = now
            self.last_change = now
            self.articles_changed = self.articles_changed or kind == "article"

    def _kind(self, path: Path) -> str | None:
        """What a changed path means: "article" (an article file), "other" (a folder, or a
        name now gone: it may hold or have held articles) or None, for what a build never
        reads: names starting with ".", anything in the index, files of other kinds, and
        the feed list (feeds.txt; as "other" once gone)."""
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            return None
        if not parts or any(part.startswith(".") for part in parts):
            return None
        if self.index_path is not None and path.is_relative_to(self.index_path):
            return None
        if path.suffix.lower() in SUPPORTED_SUFFIXES and parts != (FEEDS_FILE,):
            return "article"
        return None if path.is_file() else "other"

    def _build(self, *, force: bool) -> None:
        """One incremental build, unless nothing a build reads has changed (and not `force`)."""
        self.first_change, self.articles_changed = None, False
        found = _fingerprint(self.root)
        if not force and found == self.built:
            return
        self.built = found  # a failed build is retried on the next change, not in a loop
        try:
            report = build_index(
                self.settings,
                self.embedder,
                progress=self.listeners.progress,
                on_wait=self.listeners.on_wait,
            )
        except Exception as err:  # one bad build must not end the watch
            self.listeners.on_error(f"index not updated: {_message(err)}")
            return
        self.listeners.on_build(report)

    def _fetch_feeds(self) -> None:
        try:
            from askbrief.news.feeds import fetch_feeds  # HTTP and feed parsing only when asked for

            report = fetch_feeds(self.settings.articles_dir, on_event=self.listeners.on_feed_event)
        except Exception as err:  # an unreachable feed must not end the watch
            self.listeners.on_error(f"feeds not fetched: {_message(err)}")
            return
        if self.listeners.on_feeds is not None:
            self.listeners.on_feeds(report)


def _fingerprint(root: Path) -> Fingerprint:
    """The article files a build would read, as stat sees them; cheap beside a build."""
    found = []
    for path in iter_article_files(root):
        try:
            st = path.stat()
        except OSError:
            continue
        found.append((str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    return tuple(found)


def _identity(folder: Path) -> tuple[int, int] | None:
    """Which folder this is: a folder deleted and made again is another one to watch."""
    try:
        st = os.stat(folder)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _message(err: Exception) -> str:
    """An error as one line: askbrief's own as they are, the disk's and others named."""
    if isinstance(err, AskbriefError):
        text = str(err)
    elif isinstance(err, OSError):
        where = f"{err.filename}: " if err.filename else ""
        text = f"{where}{err.strerror or err}"
    else:
        text = f"{type(err).__name__}: {err}"
    return " ".join(text.split())
