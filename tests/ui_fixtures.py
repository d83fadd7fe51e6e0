"""Helpers for the web UI tests: a private copy of the seed article with a real index built from it,
and the app served in-process on a free loopback port. Nothing is written into the repo."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import SEEDS, CountingEmbedder

from askbrief import Settings, build_index
from askbrief.ui import free_port, serving  # noqa: F401  (re-exported for tests)


@dataclass
class LiveApp:
    url: str
    settings: Settings
    app: Any  # the gradio Blocks


def seeded_settings(root: Path, embedder: CountingEmbedder) -> Settings:
    """A copy of the seed article under `root` and a freshly built index beside it."""
    articles = root / "articles"
    shutil.copytree(SEEDS, articles)
    settings = Settings.load(articles_dir=articles, index_dir=root / "index")
    build_index(settings, embedder)
    return settings


def serve(app: Any) -> contextlib.AbstractContextManager[str]:
    """launch() without blocking; the server is closed however the test ends."""
    return serving(app)


@contextlib.contextmanager
def seeded_live_app(root: Path, embedder: CountingEmbedder) -> Iterator[LiveApp]:
    """The UI over a fresh copy of the seed article under `root`, served until the block ends."""
    from askbrief.ui import make_app

    settings = seeded_settings(root, embedder)
    app = make_app(settings=settings, embedder=embedder)
    with serve(app) as url:
        yield LiveApp(url, settings, app)
