"""Where the test data is, the real model wrapped to count what it embeds, and the stores the
core tests run against."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from askbrief.ingest.embedding import Embedder  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
# A copy of the shipped seed article: tests never read seeds/, where users add their own
# articles (uploads are saved there).
SEEDS = DATA / "seed"
SEED_FILE = SEEDS / "000_27ae2b7c35e19781.txt"
SEED_Q = "What did Lavrov say about France?"
# The stores the core tests run against: the FAISS folder and Milvus Lite (embedded Milvus,
# the same code as a Milvus server).
STORES = ["faiss", "milvus"]
# An article none of the test collections has, for tests that add one and ask about it.
VOLCANO = (
    "Volcano erupts near fishing village\n"
    "The Kalua volcano erupted on Monday night, sending ash four kilometres into the sky.\n"
    "About 600 residents of the nearby fishing village were evacuated by boat.\n"
)
VOLCANO_Q = "How many residents were evacuated after the volcano erupted?"


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
