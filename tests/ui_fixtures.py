"""Helpers for the web UI tests: a private copy of seeds/ with a real index built from it,
and the app served in-process on a free loopback port. Nothing is written into the repo."""

from __future__ import annotations

import contextlib
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import SEEDS, CountingEmbedder

from askbrief import Settings, build_index


@dataclass
class LiveApp:
    url: str
    settings: Settings
    app: Any  # the gradio Blocks


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seeded_settings(root: Path, embedder: CountingEmbedder) -> Settings:
    """A copy of seeds/ under `root` and a freshly built index beside it."""
    articles = root / "articles"
    shutil.copytree(SEEDS, articles)
    settings = Settings.load(articles_dir=articles, index_dir=root / "index")
    build_index(settings, embedder)
    return settings


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """launch() without blocking; the server is closed however the test ends."""
    _, url, _ = app.launch(
        prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True
    )
    try:
        yield url
    finally:
        app.close()


@contextlib.contextmanager
def seeded_live_app(root: Path, embedder: CountingEmbedder) -> Iterator[LiveApp]:
    """The UI over a fresh copy of seeds/ under `root`, served until the block ends."""
    from askbrief.ui import make_app

    settings = seeded_settings(root, embedder)
    app = make_app(settings=settings, embedder=embedder)
    with serve(app) as url:
        yield LiveApp(url, settings, app)
