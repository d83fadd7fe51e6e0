"""Build or update the index: embed only articles that are new or changed (by content hash).

`build_index` reads the articles folder under a lock and hands the work to the writer of the
store `settings.location` names: faiss_build.py for a folder, milvus_build.py for a .db path
or a server. Both run the same steps (build_steps.py). Articles from files uploaded through
the web UI carry who added them and when, from the upload log (provenance.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

from askbrief.config import Settings
from askbrief.errors import AskbriefError
from askbrief.ingest.articles import read_folder
from askbrief.ingest.embedding import Embedder
from askbrief.ingest.prepare import BuildJob, Progress, pause_point
from askbrief.ingest.provenance import provenance_for
from askbrief.ingest.workers import EmbeddingWorkers
from askbrief.records import BuildReport
from askbrief.store.faiss.write import build_faiss
from askbrief.store.milvus.write import build_milvus

LOCK = ".lock"


def build_index(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    full: bool = False,
    progress: Progress | None = None,
    on_wait: Callable[[str], None] | None = None,
    workers: int | None = None,
    ray: bool = False,
) -> BuildReport:
    """Index `settings.articles_dir` into the store `settings.location` names, incrementally
    unless `full`; `workers` processes (default settings.workers) embed in parallel, on a
    Ray cluster if `ray` (workers.py). `progress(stage, done, total)` hears how far it is."""
    t0 = time.perf_counter()
    folder, where = settings.articles_dir, settings.location
    workers = settings.workers if workers is None else workers
    if not folder.is_dir():
        raise AskbriefError(f"{folder}: no such folder; put articles there or pass --articles DIR")
    if workers < 1:
        raise AskbriefError("workers must be at least 1")
    with _build_lock(settings, on_wait):
        pause_point("locked")
        # Read only now: a build that waited for another sees the folder as it is now. The
        # upload log first: an upload is logged after its file is saved, so what it lists
        # is there to be read (provenance.py).
        notes: list[str] = []
        found = read_folder(folder, provenance_for(folder, notes))
        if not found.articles:
            raise AskbriefError(
                f"{folder}: no readable articles (.txt .md .html .jsonl); add some and re-run"
            )
        with EmbeddingWorkers(embedder or Embedder(), workers, ray) as embedding:
            job = BuildJob(found.articles, notes + found.warnings, settings, embedding, progress)
            if where.is_milvus:
                report = build_milvus(job, where, full)
            else:
                assert where.path is not None
                report = build_faiss(job, where.path, full)
    return replace(report, seconds=time.perf_counter() - t0)


@contextmanager
def _build_lock(settings: Settings, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    """One build at a time: a lock file in the FAISS folder, or beside a Milvus Lite .db.
    A Milvus server has no file to lock; its writer checks at publish time instead that no
    other build started meanwhile (milvus_build.py)."""
    from filelock import FileLock, Timeout

    where = settings.location
    if where.path is None:
        yield
        return
    if where.is_milvus:
        where.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = where.path.with_name(where.path.name + LOCK)
    else:
        where.path.mkdir(parents=True, exist_ok=True)
        lock_path = where.path / LOCK
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait:
            on_wait(f"another askbrief index is updating {where.shown}; waiting for it to finish")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
