"""Build or update the index: embed only articles that are new or changed (by content hash).

The steps every store shares live here: hashing articles, deciding what changed, chunking,
turning passages into embedding jobs and embedding them (in this process or in workers).
The FAISS store's generations are written here too; the Milvus store's writer is
milvus_build.py, called from `build_index` when the store is a .db path or a server.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .articles import read_folder
from .chunking import Chunked, chunk
from .config import EMBEDDING_DIM, FORMAT_VERSION, MODEL_ID, TOKEN_ENCODING, Settings
from .dates import newest
from .embedding import Embedder
from .entities import find_entities
from .errors import AskbriefError, IndexMismatchError
from .records import Article, BuildReport
from .store import (
    CURRENT,
    DENSE,
    FULL_HINT,
    KEYWORD_IDS,
    KEYWORD_TOKENS,
    KEYWORDS,
    MANIFEST,
    META_DB,
    SCHEMA,
    SENTENCE_VECS,
    check_manifest,
    current_generation,
    file_digests,
    fit_vector_index,
    fsync_path,
    generations,
    new_vector_index,
    read_manifest,
    read_only_uri,
    verify_files,
)
from .stores import location
from .text import keyword_tokens
from .workers import Encoder

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)
LOCK = ".lock"
PAUSE_ENV = "ASKBRIEF_TEST_PAUSE_AT"


def article_hash(article: Article) -> str:
    fields = [article.title, article.text, article.source_path, article.format]
    fields += [article.source, article.url, article.published]
    return hashlib.sha256(json.dumps(fields).encode("utf-8")).hexdigest()


def build_index(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    full: bool = False,
    progress: Progress | None = None,
    show_progress: bool = False,
    on_wait: Callable[[str], None] | None = None,
    workers: int | None = None,
    ray: bool = False,
) -> BuildReport:
    """Index `settings.articles_dir` into the store `settings.store_uri` names, incrementally
    unless `full`; `workers` processes (default settings.workers) embed in parallel, on a
    Ray cluster if `ray` (workers.py)."""
    t0 = time.perf_counter()
    folder, where = settings.articles_dir, location(settings)
    workers = settings.workers if workers is None else workers
    if not folder.is_dir():
        raise AskbriefError(f"{folder}: no such folder; put articles there or pass --articles DIR")
    if workers < 1:
        raise AskbriefError("workers must be at least 1")
    with _build_lock(settings, on_wait):
        pause_point("locked")
        # Read only now: a build that waited for another sees the folder as it is now.
        found = read_folder(folder)
        if not found.articles:
            raise AskbriefError(
                f"{folder}: no readable articles (.txt .md .html .jsonl); add some and re-run"
            )
        with Encoder(embedder or Embedder(), workers, ray) as encoder:
            job = BuildJob(
                found.articles, found.warnings, settings, encoder, progress, show_progress
            )
            if where.is_milvus:
                from .milvus_build import build_milvus

                report = build_milvus(job, where, full)
            else:
                report = _build_locked(job, full)
    return replace(report, seconds=time.perf_counter() - t0)


@contextmanager
def _build_lock(settings: Settings, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    """One build at a time: a lock file in the FAISS folder, or beside a Milvus Lite .db.
    A Milvus server has no file to lock; its writer checks at publish time instead that no
    other build started meanwhile (milvus_build.py)."""
    from filelock import FileLock, Timeout

    where = location(settings)
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
            on_wait(f"another askbrief index is updating {where.uri}; waiting for it to finish")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def pause_point(phase: str) -> None:
    """Test hook, off unless ASKBRIEF_TEST_PAUSE_AT=<phase>[:seconds] is set: announce the
    phase on stderr, then wait there (default 600 s; SIGUSR1 resumes at once) so a test can
    kill the build, or race another one, at a known point. Phases: locked, embedding (after
    the first batch), writing (files half written), publishing (generation in place, CURRENT
    not yet switched), published (switched, old generations not yet removed)."""
    name, _, seconds = os.environ.get(PAUSE_ENV, "").partition(":")
    if name != phase:
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    print(f"askbrief: test pause at {phase} (pid {os.getpid()})", file=sys.stderr, flush=True)
    signal.sigtimedwait({signal.SIGUSR1}, float(seconds or 600))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})


@dataclass(frozen=True)
class BuildJob:
    """What one build works on, whichever store it writes."""

    articles: list[Article]
    warnings: list[str]
    settings: Settings
    encoder: Encoder
    progress: Progress | None
    show_progress: bool


def _build_locked(job: BuildJob, full: bool) -> BuildReport:
    """Build a new generation in a scratch folder, then publish it; on any failure the
    scratch folder goes and CURRENT still names the previous generation."""
    root = job.settings.index_dir
    _remove_scratch(root)
    old_gen = None if full else current_generation(root)
    if old_gen is not None:
        _check_reusable(old_gen, job.settings, root)
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        report = _build_into(tmp, old_gen, job)
        _publish(root, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report


def _remove_scratch(root: Path) -> None:
    """Scratch left by a build that was killed; safe to remove, we hold the lock."""
    for stale in root.glob(".tmp-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def _build_into(tmp: Path, old_gen: Path | None, job: BuildJob) -> BuildReport:
    """Write a whole generation into `tmp`: a copy of `old_gen` (if any) updated with the
    articles that are new or changed, or everything from scratch."""
    import faiss

    db = sqlite3.connect(tmp / META_DB)
    try:
        dense, sentence_vecs, old_hashes = _start_from(db, old_gen, job.settings.index_dir)
        plan = plan_changes(job.articles, job.warnings, old_hashes, job.settings)
        _drop(db, dense, sentence_vecs, plan.removed + [a.id for a in plan.changed])
        jobs = _add_articles(db, plan.to_embed(), plan.hashes, job.show_progress)
        vectors = embed_jobs(jobs, job.encoder, job.progress, job.show_progress)
        dense.add_with_ids(vectors.passages, vectors.pids)
        sentence_vecs.add_with_ids(vectors.sentences, vectors.sids)
        _write_keywords(db, tmp, old_gen, {a.id for a, _ in plan.to_embed()})
        counts = {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("articles", "passages", "sentences")
        }
        db.commit()
    finally:
        db.close()
    faiss.write_index(fit_vector_index(dense), str(tmp / DENSE))
    pause_point("writing")
    faiss.write_index(fit_vector_index(sentence_vecs), str(tmp / SENTENCE_VECS))
    _write_manifest(tmp, job.settings, counts | {"newest_article": newest_article(job.articles)})
    return plan.report(len(jobs), counts["articles"], counts["passages"])


@dataclass(frozen=True)
class Plan:
    """What a build does: which articles go, which are embedded again, which are new."""

    articles: list[Article]  # every article the index will hold
    hashes: dict[str, str]  # article id -> content hash, for those
    chunked: dict[str, Chunked]  # sentences and passages of changed and added articles
    removed: list[str]  # ids of articles no longer in the folder
    changed: list[Article]
    added: list[Article]
    warnings: list[str]

    def to_embed(self) -> list[tuple[Article, Chunked]]:
        return [(a, self.chunked[a.id]) for a in self.changed + self.added]

    def report(self, embedded: int, articles: int, passages: int) -> BuildReport:
        return BuildReport(
            added=len(self.added),
            updated=len(self.changed),
            removed=len(self.removed),
            unchanged=len(self.articles) - len(self.changed) - len(self.added),
            passages_embedded=embedded,
            articles=articles,
            passages=passages,
            warnings=tuple(self.warnings),
        )


def plan_changes(
    articles: list[Article],
    warnings: list[str],
    old_hashes: dict[str, str],
    settings: Settings,
) -> Plan:
    """Compare the folder with the hashes the store holds; chunk what must be embedded. An
    article that cannot be chunked is a warning and stays out (or keeps its old version out:
    it is treated as removed)."""
    hashes = {a.id: article_hash(a) for a in articles}
    todo = [a for a in articles if old_hashes.get(a.id) != hashes[a.id]]
    chunked, failed = _chunk_all(todo, settings)
    if failed:
        articles = [a for a in articles if a.id not in failed]
        hashes = {a.id: hashes[a.id] for a in articles}
        warnings = [*warnings, *failed.values()]
    return Plan(
        articles=articles,
        hashes=hashes,
        chunked=chunked,
        removed=[i for i in old_hashes if i not in hashes],
        changed=[a for a in articles if old_hashes.get(a.id) not in (None, hashes[a.id])],
        added=[a for a in articles if a.id not in old_hashes],
        warnings=list(warnings),
    )


def _start_from(db: sqlite3.Connection, old_gen: Path | None, root: Path):  # type: ignore[no-untyped-def]
    """(dense, sentence vectors, article hashes): a copy of `old_gen`, or empty ones."""
    import faiss

    if old_gen is None:
        db.executescript(SCHEMA)
        return new_vector_index(), new_vector_index(), {}
    try:
        src = sqlite3.connect(read_only_uri(old_gen / META_DB), uri=True)
        try:
            src.backup(db)
        finally:
            src.close()
        dense = faiss.read_index(str(old_gen / DENSE))
        sentence_vecs = faiss.read_index(str(old_gen / SENTENCE_VECS))
        old_hashes = dict(db.execute("SELECT id, hash FROM articles"))
    except (sqlite3.DatabaseError, RuntimeError, MemoryError):
        raise IndexMismatchError(f"{root}: index is damaged; {FULL_HINT}") from None
    return dense, sentence_vecs, old_hashes


def _chunk_all(
    articles: list[Article], settings: Settings
) -> tuple[dict[str, Chunked], dict[str, str]]:
    """Sentences and passages of each article; one that fails is a warning, not an abort."""
    done: dict[str, Chunked] = {}
    failed: dict[str, str] = {}
    for article in articles:
        try:
            done[article.id] = chunk(article.text, settings.max_tokens, settings.overlap_sentences)
        except Exception as err:
            failed[article.id] = (
                f"{article.source_path}: could not be split into sentences "
                f"({type(err).__name__}: {err}); skipped"
            )
    return done, failed


def _drop(db: sqlite3.Connection, dense, sentence_vecs, gone: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Remove these articles' rows and vectors (removed or changed since the last build)."""
    if not gone:
        return
    marks = ",".join("?" * len(gone))
    where = f"WHERE article_id IN ({marks})"
    pids = [r[0] for r in db.execute(f"SELECT pid FROM passages {where}", gone)]
    sids = [r[0] for r in db.execute(f"SELECT sid FROM sentences {where}", gone)]
    dense.remove_ids(np.array(pids, dtype=np.int64))
    sentence_vecs.remove_ids(np.array(sids, dtype=np.int64))
    db.execute(f"DELETE FROM passages {where}", gone)
    db.execute(f"DELETE FROM sentences {where}", gone)
    db.execute(f"DELETE FROM entities {where}", gone)
    db.execute(f"DELETE FROM articles WHERE id IN ({marks})", gone)


def newest_article(articles: list[Article]) -> str | None:
    """The collection's 'now' for recency at question time (dates.py), kept in the manifest
    so a question need not read every article."""
    found = newest(articles)
    return found.isoformat() if found else None


def _write_manifest(tmp: Path, settings: Settings, counts: dict[str, object]) -> None:
    """Written last: it records every other file's size and checksum."""
    manifest = {
        "format_version": FORMAT_VERSION,
        "model": MODEL_ID,
        "dim": EMBEDDING_DIM,
        "token_encoding": TOKEN_ENCODING,
        "max_tokens": settings.max_tokens,
        "overlap_sentences": settings.overlap_sentences,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **counts,
        "files": file_digests(tmp),
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _check_reusable(gen: Path, settings: Settings, root: Path) -> None:
    """An incremental build copies the current generation: it must be sound and alike."""
    manifest = read_manifest(gen)
    check_manifest(manifest, root)
    verify_files(gen, manifest)
    for key in ("max_tokens", "overlap_sentences"):
        if manifest.get(key) != getattr(settings, key):
            raise IndexMismatchError(
                f"{root}: index was built with {key}={manifest.get(key)}, now "
                f"{getattr(settings, key)}; {FULL_HINT}"
            )


@dataclass(frozen=True)
class Job:
    """One passage to embed: its text (title first) and where its sentences sit in it."""

    pid: int
    text: str
    sentences: list[tuple[int, int, int]]  # (sid, start, end) within `text`


def passage_jobs(article: Article, chunks: Chunked, sids: list[int], pids: list[int]) -> list[Job]:
    """One job per passage of an article, given the ids its store chose for its sentences
    and passages. The title is prepended for the embedding only: it tells the model what a
    passage deep inside an article is about. Quotes never include it."""
    head = f"{article.title}\n\n"
    jobs = []
    for pid, (first, last, span) in zip(pids, chunks.passages, strict=True):
        shift = len(head) - span.start
        inside = [
            (sids[i], chunks.sentences[i].start + shift, chunks.sentences[i].end + shift)
            for i in range(first, last + 1)
        ]
        jobs.append(Job(pid, head + article.text[span.start : span.end], inside))
    return jobs


def _add_articles(
    db: sqlite3.Connection,
    articles: list[tuple[Article, Chunked]],
    hashes: dict[str, str],
    show_progress: bool = False,
) -> list[Job]:
    next_pid = (db.execute("SELECT max(pid) FROM passages").fetchone()[0] or 0) + 1
    next_sid = (db.execute("SELECT max(sid) FROM sentences").fetchone()[0] or 0) + 1
    jobs: list[Job] = []
    found = find_entities([article.text for article, _ in articles], show_progress)
    for (article, chunks), entities in zip(articles, found, strict=True):
        db.executemany(
            "INSERT INTO entities VALUES (?, ?, ?, ?)", [(article.id, *e) for e in entities]
        )
        db.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id,
                article.title,
                article.text,
                article.source_path,
                article.format,
                article.source,
                article.url,
                article.published,
                hashes[article.id],
            ),
        )
        sids = list(range(next_sid, next_sid + len(chunks.sentences)))
        next_sid += len(sids)
        db.executemany(
            "INSERT INTO sentences VALUES (?, ?, ?, ?, ?)",
            [
                (sid, article.id, i, s.start, s.end)
                for i, (sid, s) in enumerate(zip(sids, chunks.sentences, strict=True))
            ],
        )
        pids = list(range(next_pid, next_pid + len(chunks.passages)))
        next_pid += len(pids)
        db.executemany(
            "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?)",
            [
                (pid, article.id, first, last, span.start, span.end)
                for pid, (first, last, span) in zip(pids, chunks.passages, strict=True)
            ],
        )
        jobs.extend(passage_jobs(article, chunks, sids, pids))
    return jobs


@dataclass(frozen=True)
class Vectors:
    """Embedded jobs: passage vectors in job order, and one vector per sentence."""

    pids: np.ndarray  # int64
    passages: np.ndarray  # (len(pids), dim) float32
    sids: np.ndarray  # int64, ascending
    sentences: np.ndarray  # (len(sids), dim) float32, normalised


def embed_jobs(
    jobs: list[Job],
    encoder: Encoder,
    progress: Progress | None,
    show_progress: bool,
    done: int = 0,
    total: int | None = None,
) -> Vectors:
    """Embed passages in length-sorted batches (little padding); average each sentence's
    contextual vectors over the passages that hold it (overlap puts some in two). `done` and
    `total` place these jobs in a longer run, for progress."""
    total = len(jobs) if total is None else total
    if not jobs:
        empty = np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return Vectors(np.zeros(0, dtype=np.int64), empty, np.zeros(0, dtype=np.int64), empty)
    bar = None
    if show_progress and total > encoder.batch_size * 4:
        from tqdm import tqdm

        bar = tqdm(total=total, initial=done, unit="passage", desc="embedding", file=sys.stderr)
    order = sorted(jobs, key=lambda j: len(j.text))
    batches = [
        order[lo : lo + encoder.batch_size] for lo in range(0, len(order), encoder.batch_size)
    ]
    sums: dict[int, np.ndarray] = {}
    pvecs: list[np.ndarray] = []
    results = encoder.passages(
        ([j.text for j in b], [[(a, z) for _, a, z in j.sentences] for j in b]) for b in batches
    )
    for n, (batch, (vectors, spans)) in enumerate(zip(batches, results, strict=True)):
        pvecs.append(vectors)
        for job, vecs in zip(batch, spans, strict=True):
            for (sid, _, _), vec in zip(job.sentences, vecs, strict=True):
                if vec is not None:
                    sums[sid] = sums[sid] + vec if sid in sums else vec
        if n == 0 and done == 0:
            pause_point("embedding")
        done += len(batch)
        if bar is not None:
            bar.update(len(batch))
        if progress is not None:
            progress(done, total)
    if bar is not None:
        bar.close()
    # Sentences cut off by the model's 256-token limit in every passage: embed them alone.
    missing = [
        (sid, job.text[a:b]) for job in jobs for sid, a, b in job.sentences if sid not in sums
    ]
    missing = list(dict(missing).items())
    if missing:
        vecs = encoder.texts([t for _, t in missing])
        sums.update({sid: v for (sid, _), v in zip(missing, vecs, strict=True)})
    sids = np.array(sorted(sums), dtype=np.int64)
    mat = np.vstack([sums[s] for s in sids]).astype(np.float32)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    return Vectors(
        np.array([j.pid for j in order], dtype=np.int64),
        np.ascontiguousarray(np.vstack(pvecs), dtype=np.float32),
        sids,
        mat,
    )


def _write_keywords(
    db: sqlite3.Connection, tmp: Path, old_gen: Path | None, renewed: set[str]
) -> None:
    """BM25 over all sentences, rebuilt on every build from each sentence's stored tokens:
    only the sentences of `renewed` (new or changed) articles are tokenised, so an update's
    keyword work follows the size of the change, while the scoring statistics are those of
    the whole collection. (A renewed article's sids may reuse numbers of removed ones, so
    stored tokens count only for articles that did not change.)"""
    import bm25s
    from bm25s.tokenization import Tokenized

    # (article, sentence) order: search_keywords breaks score ties by it, as the Milvus
    # store does, so both stores pick the same sentences
    rows = db.execute("SELECT sid, article_id FROM sentences ORDER BY article_id, idx").fetchall()
    old = _read_tokens(old_gen)
    new_sids = [sid for sid, a in rows if a in renewed or sid not in old]
    fresh_articles = {a for sid, a in rows if a in renewed or sid not in old}
    texts = _sentence_texts(db, fresh_articles)
    fresh = dict(zip(new_sids, keyword_tokens([texts[s] for s in new_sids]), strict=True))
    vocab: dict[str, int] = {}
    docs = [
        [vocab.setdefault(t, len(vocab)) for t in (fresh[sid] if sid in fresh else old[sid])]
        for sid, _ in rows
    ]
    retriever = bm25s.BM25()
    retriever.index(Tokenized(ids=docs, vocab=vocab), show_progress=False)
    retriever.save(str(tmp / KEYWORDS))
    sids = np.array([sid for sid, _ in rows], dtype=np.int64)
    np.save(tmp / KEYWORD_IDS, sids)
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    flat = np.fromiter((t for d in docs for t in d), dtype=np.int32, count=int(lengths.sum()))
    np.savez(
        tmp / KEYWORD_TOKENS,
        sids=sids,
        lengths=lengths,
        tokens=flat,
        vocab=np.array("\n".join(vocab)),
    )


def _read_tokens(gen: Path | None) -> dict[int, list[str]]:
    """sid -> keyword tokens as the previous build stored them; empty (so everything is
    tokenised) for a generation written before tokens were stored."""
    out: dict[int, list[str]] = {}
    if gen is None or not (gen / KEYWORD_TOKENS).is_file():
        return out
    try:
        with np.load(gen / KEYWORD_TOKENS) as data:
            vocab = str(data["vocab"]).split("\n")
            ends = np.cumsum(data["lengths"]).tolist()
            words = [vocab[i] for i in data["tokens"].tolist()]
            sids = data["sids"].tolist()
    except Exception:  # unreadable: tokenise everything again, which is always correct
        return {}
    start = 0
    for sid, end in zip(sids, ends, strict=True):
        out[sid] = words[start:end]
        start = end
    return out


def _sentence_texts(db: sqlite3.Connection, articles: set[str]) -> dict[int, str]:
    """sid -> sentence text for these articles. Each article's text is fetched once: a join
    would copy the whole text into every sentence's row, quadratic in the article's size."""
    out: dict[int, str] = {}
    for article_id in articles:
        (text,) = db.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        rows = db.execute(
            'SELECT sid, start, "end" FROM sentences WHERE article_id = ?', (article_id,)
        )
        for sid, start, end in rows.fetchall():
            out[sid] = text[start:end]
    return out


def _publish(root: Path, tmp: Path) -> None:
    """fsync the new generation, rename it into place, then atomically swap CURRENT."""
    _fsync_tree(tmp)
    previous = current_generation(root)
    gens = generations(root)
    number = int(gens[-1].name.split("-")[1]) + 1 if gens else 1
    final = root / f"gen-{number:06d}"
    tmp.rename(final)
    pause_point("publishing")
    pointer = root / f".tmp-current-{uuid.uuid4().hex}"
    pointer.write_text(final.name + "\n", encoding="utf-8")
    fsync_path(pointer)
    pointer.replace(root / CURRENT)
    fsync_path(root)
    pause_point("published")
    # Keep the generation before this one: a reader that read CURRENT a moment ago may be
    # opening it right now. The rest go, including any a killed build left unpublished.
    for gen in gens:
        if gen != previous:
            shutil.rmtree(gen, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    """Every file and folder of a new generation on disk before CURRENT can name it."""
    for path in folder.rglob("*"):
        fsync_path(path)
    fsync_path(folder)
