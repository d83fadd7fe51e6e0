"""Embedding batches in parallel: `askbrief index --workers N`, on this machine or on a Ray
cluster (`--ray`).

The unit of work is one batch of passages (texts plus the sentence spans inside them); a
worker returns exactly what `Embedder.embed_passages` returns, so the indexer cannot tell
whether a batch ran here or elsewhere. Local workers are spawned, not forked (the parent
may hold ONNX Runtime or Gradio threads). With --ray the same functions run in Ray's
drop-in multiprocessing Pool (ray.util.multiprocessing), whose processes Ray places on the
nodes of the cluster RAY_ADDRESS names; Ray schedules, askbrief only maps batches. Either
way each worker loads the model once, and results come back in order to the one process
that writes the store.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from askbrief.errors import AskbriefError
from askbrief.ingest.embedding import Embedder

Batch = tuple[list[str], list[list[tuple[int, int]]]]  # passage texts, sentence spans in each
Embedded = tuple[np.ndarray, list[list[np.ndarray | None]]]

_worker: Embedder | None = None


class EmbeddingWorkers:
    """Where a build's embedding runs: this process (workers=1, with the given `Embedder`),
    a pool of `workers` local processes, or a Ray pool; each worker holds its own
    `Embedder`. Used as a context manager so the pool always goes away."""

    def __init__(self, embedder: Embedder, workers: int = 1, ray: bool = False) -> None:
        self.embedder = embedder
        self.workers = max(1, workers)
        self.ray = ray
        self._pool: cf.ProcessPoolExecutor | None = None
        self._ray_pool: Any = None

    @property
    def batch_size(self) -> int:
        return self.embedder.batch_size

    def __enter__(self) -> EmbeddingWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._ray_pool is not None:
            self._ray_pool.terminate()
            self._ray_pool = None

    def passages(self, batches: Iterable[Batch]) -> Iterator[Embedded]:
        """Results in the order of `batches`; the pool works ahead on later batches."""
        if self.ray:
            yield from self._start_ray().imap(_embed_passages, batches)
            return
        if self.workers == 1:
            for texts, spans in batches:
                yield self.embedder.embed_passages(texts, spans)
            return
        yield from self._start().map(_embed_passages, batches)

    def texts(self, texts: Sequence[str]) -> np.ndarray:
        """Plain sentence vectors (for sentences truncation cut out of every passage)."""
        if not texts or (self.workers == 1 and not self.ray):
            return self.embedder.embed(texts)
        if self.ray:
            return self._start_ray().apply(_embed, (list(texts),))
        return self._start().submit(_embed, list(texts)).result()

    def _start_ray(self) -> Any:
        if self._ray_pool is None:
            try:
                from ray.util.multiprocessing import Pool
            except ImportError:
                raise AskbriefError(
                    "--ray needs Ray on this machine and on the cluster: pip install 'ray[default]'"
                ) from None
            self._ray_pool = Pool(
                processes=self.workers,
                initializer=_init_worker,
                initargs=(self.embedder.batch_size, self.embedder.backend, None),
            )
        return self._ray_pool

    def _start(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                # each worker its share of this machine's cores
                initargs=(
                    self.embedder.batch_size,
                    self.embedder.backend,
                    max(1, (os.cpu_count() or 1) // self.workers),
                ),
            )
        return self._pool


def _init_worker(batch_size: int, backend: str, threads: int | None) -> None:
    global _worker
    # Ctrl-C reaches the whole process group: the parent stops the build and its pool;
    # a worker that also raised KeyboardInterrupt would print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = Embedder(batch_size=batch_size, backend=backend, threads=threads)
    _worker.model  # load now, not inside the first batch  # noqa: B018


def _embed_passages(batch: Batch) -> Any:
    assert _worker is not None
    return _worker.embed_passages(*batch)


def _embed(texts: list[str]) -> np.ndarray:
    assert _worker is not None
    return _worker.embed(texts)
