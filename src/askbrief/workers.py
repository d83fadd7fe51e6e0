"""Embedding batches in parallel: `askbrief index --workers N` on one machine.

The unit of work is one batch of passages (texts plus the sentence spans inside them); a
worker returns exactly what `Embedder.embed_passages` returns, so the indexer cannot tell
whether a batch ran here or in another process. Workers are spawned, not forked (the parent
may hold ONNX Runtime or Gradio threads), and each loads the model once.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .embedding import Embedder

Batch = tuple[list[str], list[list[tuple[int, int]]]]  # passage texts, sentence spans in each
Embedded = tuple[np.ndarray, list[list[np.ndarray | None]]]

_worker: Embedder | None = None


class Encoder:
    """Embeds batches in this process (workers=1, with the given embedder) or in a pool of
    `workers` processes; used as a context manager so the pool always goes away."""

    def __init__(self, embedder: Embedder, workers: int = 1) -> None:
        self.embedder = embedder
        self.workers = max(1, workers)
        self._pool: cf.ProcessPoolExecutor | None = None

    @property
    def batch_size(self) -> int:
        return self.embedder.batch_size

    def __enter__(self) -> Encoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def passages(self, batches: Iterable[Batch]) -> Iterator[Embedded]:
        """Results in the order of `batches`; the pool works ahead on later batches."""
        if self.workers == 1:
            for texts, spans in batches:
                yield self.embedder.embed_passages(texts, spans)
            return
        yield from self._start().map(_embed_passages, batches)

    def texts(self, texts: Sequence[str]) -> np.ndarray:
        """Plain sentence vectors (for sentences truncation cut out of every passage)."""
        if self.workers == 1 or not texts:
            return self.embedder.embed(texts)
        return self._start().submit(_embed, list(texts)).result()

    def _start(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.embedder.batch_size, self.embedder.backend),
            )
        return self._pool


def _init_worker(batch_size: int, backend: str) -> None:
    global _worker
    _worker = Embedder(batch_size=batch_size, backend=backend)
    _worker.model  # load now, not inside the first batch  # noqa: B018


def _embed_passages(batch: Batch) -> Any:
    assert _worker is not None
    return _worker.embed_passages(*batch)


def _embed(texts: list[str]) -> np.ndarray:
    assert _worker is not None
    return _worker.embed(texts)
