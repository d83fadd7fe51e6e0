"""Build or update the index: embed only articles that are new or changed (by content hash).

`build_index` asks the writer of the store `settings.location` names (faiss/write.py for a
folder, milvus/write.py for a .db path or a server) for its lock, reads the articles folder
under it, and hands the writer the work. Both run the same steps (ingest/prepare.py).
Articles from files uploaded through the web UI carry who added them and when, from the
upload log (provenance.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from askbrief.config import Settings
from askbrief.errors import AskbriefError
from askbrief.ingest.articles import read_folder
from askbrief.ingest.embedding import Embedder
from askbrief.ingest.prepare import BuildJob, Progress, pause_point
from askbrief.ingest.provenance import provenance_for
from askbrief.ingest.workers import EmbeddingWorkers
from askbrief.records import BuildReport
from askbrief.store.base import store_kind


def build_index(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    full: bool = False,
    prune: bool = False,
    progress: Progress | None = None,
    on_wait: Callable[[str], None] | None = None,
    workers: int | None = None,
    ray: bool = False,
) -> BuildReport:
    """Index `settings.articles_dir` into the store `settings.location` names, incrementally
    unless `full`; `workers` processes (default settings.workers) embed in parallel, on a
    Ray cluster if `ray` (workers.py). `progress(stage, done, total)` hears how far it is;
    `on_wait(message)`, that another build holds the store and this one waits for it.
    Earlier texts of changed or removed articles are kept as versions (history.py); those
    of articles gone from the folder are deleted only if `prune`."""
    t0 = time.perf_counter()
    folder, where = settings.articles_dir, settings.location
    workers = settings.workers if workers is None else workers
    if not folder.is_dir():
        raise AskbriefError(f"{folder}: no such folder; put articles there or pass --articles DIR")
    if workers < 1:
        raise AskbriefError("workers must be at least 1")
    writer = store_kind(where).open_writer(where)
    with writer.lock(on_wait):
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
            warnings = notes + found.warnings
            job = BuildJob(found.articles, warnings, settings, embedding, progress, prune)
            report = writer.build(job, full)
    return replace(report, seconds=time.perf_counter() - t0)
