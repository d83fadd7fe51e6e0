"""Shared fixtures: the real bundled model, wrapped to count what it embeds."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from askbrief.ingest.embedding import Embedder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# A copy of the shipped seed article: tests never read seeds/, where users add their own
# articles (uploads are saved there).
SEEDS = ROOT / "tests" / "data" / "seed"
SEED_FILE = SEEDS / "000_27ae2b7c35e19781.txt"
# The stores the core tests run against: the FAISS folder and Milvus Lite (embedded Milvus,
# the same code as a Milvus server).
STORES = ["faiss", "milvus"]


def store_at(folder: Path, kind: str) -> str:
    """Where a test's index lives: a FAISS folder, or a Milvus Lite .db beside it."""
    return str(folder / ("idx.db" if kind == "milvus" else "idx"))


class CountingEmbedder(Embedder):
    """The real model; records every text it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []
        self.calls = 0

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.embedded.extend(texts)
        return super().embed(texts, progress)

    def embed_passages(self, texts, spans):  # type: ignore[no-untyped-def]
        self.calls += 1
        self.embedded.extend(texts)
        return super().embed_passages(texts, spans)

    def reset(self) -> None:
        self.embedded.clear()
        self.calls = 0


@pytest.fixture(scope="session")
def embedder() -> CountingEmbedder:
    emb = CountingEmbedder()
    emb.model  # load once per session  # noqa: B018
    return emb


@pytest.fixture
def counting(embedder: CountingEmbedder) -> CountingEmbedder:
    embedder.reset()
    return embedder


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """A private copy of the seed article plus the test corpus."""
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    shutil.copytree(ROOT / "tests" / "data" / "corpus", folder / "corpus")
    return folder


# Debian's Chromium, driven by Playwright (which never downloads a browser of its own).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
