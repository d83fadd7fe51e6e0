"""What the web UI's sessions share (one model, one index, one update at a time), the status
line it draws from them, and serving an app in-process. Apart from ui.py so the Gradio wiring
stays readable; gradio is not imported here (`serving` only calls the app it is given)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from .build import build_index
from .config import Settings
from .embedding import Embedder
from .errors import AskbriefError, NoIndexError
from .index import Index
from .records import Article, BuildReport
from .ui_render import render_status as render_status_line
from .ui_render import render_status_problem
from .ui_uploads import Progress

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
NO_INDEX = "No index yet: add articles below and it is built for you."


class Backend:
    """What all browser sessions share: one Embedder (the model loads once), one Index that
    follows new index generations by itself, and one index update at a time."""

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

    def index(self) -> Index:
        """The open index; opened on first use so the app can start before any index exists."""
        with self._open_lock:
            if self._index is None:
                self._index = Index(self.settings, self.embedder)
            return self._index

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        since: date | None = None,
        until: date | None = None,
    ) -> dict[str, Any]:
        return self.index().ask(question, history=list(history), since=since, until=until).to_dict()

    def article(self, article_id: str) -> Article:
        return self.index().article(article_id)

    def stats(self) -> dict[str, Any]:
        return self.index().stats()

    def build(self, progress: Progress | None = None) -> BuildReport:
        """Incremental update; readers keep the old generation until the new one is published."""
        with self.build_lock:
            return build_index(self.settings, self.embedder, progress=progress)


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def render_status(backend: Backend) -> str:
    """The status line for the index the chat answers from, or why there is none; with what
    its last build changed (the manifest's last_build), if that build is the one shown."""
    try:
        manifest = backend.index().store.manifest
        stats = backend.stats()
    except NoIndexError:
        return render_status_problem(NO_INDEX)
    except AskbriefError as err:
        return render_status_problem(f"Index unavailable: {err}")
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
