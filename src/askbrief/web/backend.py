"""What the web UI's sessions share (one model, one open index, one update at a time), the
status line it draws from them, and serving an app in-process. Apart from blocks.py so the
Gradio wiring stays readable; gradio is not imported here (`serving` only calls the app it
is given)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from askbrief.ask.index import Index
from askbrief.config import DEFAULT_HOST, Settings
from askbrief.errors import AskbriefError, IndexMismatchError, NoIndexError
from askbrief.ingest.embedding import Embedder
from askbrief.ingest.prepare import Progress
from askbrief.records import Article, BuildReport
from askbrief.store.build import build_index
from askbrief.store.manifest import FULL_HINT
from askbrief.web.render import render_status as render_status_line
from askbrief.web.render import render_status_problem

WILDCARDS = ("0.0.0.0", "::", "")  # hosts that bind every address of the machine
NO_INDEX = "No index yet: add articles below and it is built for you."
ARTICLE_GONE = (
    "That article is no longer in the index: it was removed since this answer. Ask again "
    "for an answer from the articles as they are now."
)


class Backend:
    """What all browser sessions share: one Embedder (the model loads once), one open Index
    (the question side) that follows new index generations by itself, and one index update
    at a time."""

    def __init__(
        self, settings: Settings, embedder: Embedder | None = None, index: Index | None = None
    ) -> None:
        self.settings = settings
        self.embedder = index.embedder if index is not None else embedder or Embedder()
        self._index = index
        self._open_lock = threading.Lock()
        self.build_lock = threading.Lock()

    @property
    def articles_dir(self) -> Path:
        return self.settings.articles_dir

    def open_index(self) -> Index:
        """The Index every session asks: opened on first use (so the app can start before
        any index exists), then shared."""
        with self._open_lock:
            if self._index is None:
                self._index = Index(self.settings, self.embedder)
            return self._index

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        *,
        since: date | None = None,
        until: date | None = None,
        as_of: date | None = None,
    ) -> dict[str, Any]:
        """The answer as JSON; `as_of` (default: the settings', --as-of or ASKBRIEF_AS_OF) is
        the date the question's time words count from."""
        answer = self.open_index().ask(
            question,
            history=list(history),
            since=since,
            until=until,
            as_of=as_of or self.settings.as_of,
        )
        return answer.to_dict()

    def article(self, article_id: str) -> Article:
        """The article an answer cites; an error in the page's words if it is gone (the
        library's names a CLI command)."""
        found = self.open_index().store.article(article_id)
        if found is None:
            raise AskbriefError(ARTICLE_GONE)
        return found

    def stats(self) -> dict[str, Any]:
        return self.open_index().stats()

    def build(self, progress: Progress | None = None) -> BuildReport:
        """Incremental update; readers keep the old generation until the new one is published."""
        if not self.articles_dir.is_dir():
            # said here in the page's words; the library's error names the CLI's --articles
            raise AskbriefError(
                f"the articles folder {self.articles_dir} does not exist; upload articles to "
                "create it"
            )
        with self.build_lock:
            try:
                return build_index(self.settings, self.embedder, progress=progress)
            except IndexMismatchError:
                # another askbrief's or a damaged index: the page's "Update index" is the
                # only fix a web user has, so it rebuilds from the articles (the CLI's --full)
                return build_index(self.settings, self.embedder, full=True, progress=progress)


def web_words(message: str) -> str:
    """A library message in the page's terms: its fix for a damaged or foreign index is the
    CLI's `askbrief index --full`, which the page does with Update index."""
    return message.replace(FULL_HINT, "an editor can rebuild it with Update index")


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def addresses() -> list[str]:
    """How other machines can reach this one: its host name, then its IPv4 addresses other
    than loopback, the one on the default route first. Read from the kernel (the interfaces,
    a route lookup for an unconnected UDP socket); no packet is sent and no DNS is asked."""
    found: list[str] = []
    name = socket.gethostname()
    if name and name != "localhost":
        found.append(name)
    for ip in [_default_route_ipv4(), *_interface_ipv4s()]:
        if ip and not ip.startswith("127.") and ip not in found:
            found.append(ip)
    return found


def _default_route_ipv4() -> str | None:
    """The address this machine would send from: connect() on UDP only chooses a route."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: documentation only, never sent to
            return str(probe.getsockname()[0])
        except OSError:
            return None  # no route: offline, or loopback only


def _interface_ipv4s() -> list[str]:
    """Each network interface's IPv4 address (Linux's SIOCGIFADDR); [] where unsupported."""
    import fcntl
    import struct

    found = []
    try:
        interfaces = socket.if_nameindex()
    except OSError:
        return []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in interfaces:
            request = struct.pack("256s", name.encode()[:15])
            try:
                reply = fcntl.ioctl(sock.fileno(), 0x8915, request)  # SIOCGIFADDR
            except OSError:
                continue  # no IPv4 address, or not Linux
            found.append(socket.inet_ntoa(reply[20:24]))
    return found


def render_status(backend: Backend) -> str:
    """The status line for the index the chat answers from, or why there is none; with what
    its last build changed (the manifest's last_build), if that build is the one shown, and
    how many of its articles were corrected (have more than one version)."""
    try:
        store = backend.open_index().store
        manifest = store.manifest
        stats = backend.stats()
        stats["corrected"] = store.corrected_articles()  # shown when not 0
    except NoIndexError:
        return render_status_problem(NO_INDEX)
    except AskbriefError as err:
        return render_status_problem(f"Index unavailable: {web_words(str(err))}")
    if "last_build" not in stats and manifest.get("built_at") == stats.get("built_at"):
        stats["last_build"] = manifest.get("last_build")
    return render_status_line(stats)


@contextlib.contextmanager
def serving(app: Any, host: str = DEFAULT_HOST, port: int | None = None) -> Iterator[str]:
    """Serve `app` in this process without blocking (tests, benchmarks); yields its URL and
    closes the server however the block ends."""
    _, url, _ = app.launch(
        prevent_thread_lock=True, server_name=host, server_port=port or free_port(host), quiet=True
    )
    try:
        yield url
    finally:
        app.close()
