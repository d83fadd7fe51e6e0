"""Build or update the index: embed only articles that are new or changed (by content hash)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .articles import read_folder
from .chunking import chunk
from .config import EMBEDDING_DIM, FORMAT_VERSION, MODEL_ID, TOKEN_ENCODING, Settings
from .embedding import Embedder
from .errors import AskbriefError, IndexMismatchError
from .records import Article, BuildReport
from .store import (
    CURRENT,
    DENSE,
    FULL_HINT,
    KEYWORD_IDS,
    KEYWORDS,
    MANIFEST,
    META_DB,
    SCHEMA,
    SENTENCE_VECS,
    check_manifest,
    current_generation,
    fsync_path,
    read_manifest,
)
from .text import keyword_tokens

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)


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
) -> BuildReport:
    """Index `settings.articles_dir` into `settings.index_dir`, incrementally unless `full`."""
    from filelock import FileLock, Timeout

    t0 = time.perf_counter()
    folder, root = settings.articles_dir, settings.index_dir
    if not folder.is_dir():
        raise AskbriefError(f"{folder}: no such folder; put articles there or pass --articles DIR")
    found = read_folder(folder)
    if not found.articles:
        raise AskbriefError(
            f"{folder}: no readable articles (.txt .md .html .jsonl); add some and re-run"
        )
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait:
            on_wait(f"another askbrief index is updating {root}/; waiting for it to finish")
        lock.acquire()
    try:
        return _build_locked(
            found.articles, found.warnings, settings, embedder, full, progress, show_progress, t0
        )
    finally:
        lock.release()


def _build_locked(
    articles: list[Article],
    warnings: list[str],
    settings: Settings,
    embedder: Embedder | None,
    full: bool,
    progress: Progress | None,
    show_progress: bool,
    t0: float,
) -> BuildReport:
    import faiss

    root = settings.index_dir
    for stale in root.glob(".tmp-*"):  # left by a build that was killed; we hold the lock
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    old_gen = None if full else current_generation(root)
    if old_gen is not None and not old_gen.is_dir():
        old_gen = None
    old_hashes: dict[str, str] = {}
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    db = sqlite3.connect(tmp / META_DB)
    if old_gen is not None:
        _check_reusable(old_gen, settings, root)
        try:
            src = sqlite3.connect(f"file:{old_gen / META_DB}?mode=ro", uri=True)
            src.backup(db)
            src.close()
            dense = faiss.read_index(str(old_gen / DENSE))
            sentence_vecs = faiss.read_index(str(old_gen / SENTENCE_VECS))
        except (sqlite3.DatabaseError, RuntimeError):
            shutil.rmtree(tmp, ignore_errors=True)
            raise IndexMismatchError(f"{root}: index is damaged; {FULL_HINT}") from None
        old_hashes = dict(db.execute("SELECT id, hash FROM articles"))
    else:
        db.executescript(SCHEMA)
        dense = faiss.IndexIDMap2(faiss.IndexFlatIP(EMBEDDING_DIM))
        sentence_vecs = faiss.IndexIDMap2(faiss.IndexFlatIP(EMBEDDING_DIM))

    new_hashes = {a.id: article_hash(a) for a in articles}
    removed = [i for i in old_hashes if i not in new_hashes]
    changed = [a for a in articles if old_hashes.get(a.id) not in (None, new_hashes[a.id])]
    added = [a for a in articles if a.id not in old_hashes]
    unchanged = len(articles) - len(changed) - len(added)

    gone = removed + [a.id for a in changed]
    if gone:
        marks = ",".join("?" * len(gone))
        where = f"WHERE article_id IN ({marks})"
        pids = [r[0] for r in db.execute(f"SELECT pid FROM passages {where}", gone)]
        sids = [r[0] for r in db.execute(f"SELECT sid FROM sentences {where}", gone)]
        dense.remove_ids(np.array(pids, dtype=np.int64))
        sentence_vecs.remove_ids(np.array(sids, dtype=np.int64))
        db.execute(f"DELETE FROM passages {where}", gone)
        db.execute(f"DELETE FROM sentences {where}", gone)
        db.execute(f"DELETE FROM articles WHERE id IN ({marks})", gone)

    jobs = _add_articles(db, changed + added, new_hashes, settings)
    _embed_into(dense, sentence_vecs, jobs, embedder or Embedder(), progress, show_progress)
    _write_keywords(db, tmp)
    n_articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    n_passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    n_sentences = db.execute("SELECT count(*) FROM sentences").fetchone()[0]
    db.commit()
    db.close()
    faiss.write_index(dense, str(tmp / DENSE))
    faiss.write_index(sentence_vecs, str(tmp / SENTENCE_VECS))
    manifest = {
        "format_version": FORMAT_VERSION,
        "model": MODEL_ID,
        "dim": EMBEDDING_DIM,
        "token_encoding": TOKEN_ENCODING,
        "max_tokens": settings.max_tokens,
        "overlap_sentences": settings.overlap_sentences,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "articles": n_articles,
        "passages": n_passages,
        "sentences": n_sentences,
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    _publish(root, tmp)
    return BuildReport(
        added=len(added),
        updated=len(changed),
        removed=len(removed),
        unchanged=unchanged,
        passages_embedded=len(jobs),
        articles=n_articles,
        passages=n_passages,
        seconds=time.perf_counter() - t0,
        warnings=tuple(warnings),
    )


def _check_reusable(gen: Path, settings: Settings, root: Path) -> None:
    try:
        manifest = read_manifest(gen)
    except (OSError, ValueError):
        raise IndexMismatchError(
            f"{root}: index manifest is missing or damaged; {FULL_HINT}"
        ) from None
    check_manifest(manifest, root)
    for key in ("max_tokens", "overlap_sentences"):
        if manifest.get(key) != getattr(settings, key):
            raise IndexMismatchError(
                f"{root}: index was built with {key}={manifest.get(key)}, now "
                f"{getattr(settings, key)}; {FULL_HINT}"
            )


@dataclass
class _Job:
    """One passage to embed: its text (title first) and where its sentences sit in it."""

    pid: int
    text: str
    sentences: list[tuple[int, int, int]]  # (sid, start, end) within `text`


def _add_articles(
    db: sqlite3.Connection, articles: list[Article], hashes: dict[str, str], settings: Settings
) -> list[_Job]:
    next_pid = (db.execute("SELECT max(pid) FROM passages").fetchone()[0] or 0) + 1
    next_sid = (db.execute("SELECT max(sid) FROM sentences").fetchone()[0] or 0) + 1
    jobs: list[_Job] = []
    for article in articles:
        chunks = chunk(article.text, settings.max_tokens, settings.overlap_sentences)
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
        # The title is prepended for the embedding only: it tells the model what a passage
        # deep inside an article is about. Quotes never include it.
        head = f"{article.title}\n\n"
        for first, last, span in chunks.passages:
            db.execute(
                "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?)",
                (next_pid, article.id, first, last, span.start, span.end),
            )
            shift = len(head) - span.start
            inside = [
                (sids[i], chunks.sentences[i].start + shift, chunks.sentences[i].end + shift)
                for i in range(first, last + 1)
            ]
            jobs.append(_Job(next_pid, head + article.text[span.start : span.end], inside))
            next_pid += 1
    return jobs


def _embed_into(dense, sentence_vecs, jobs, embedder, progress, show_progress) -> None:  # type: ignore[no-untyped-def]
    """Embed passages in length-sorted batches (little padding); average each sentence's
    contextual vectors over the passages that hold it (overlap puts some in two)."""
    if not jobs:
        return
    bar = None
    if show_progress and len(jobs) > embedder.batch_size * 4:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="passage", desc="embedding", file=sys.stderr)
    sums: dict[int, np.ndarray] = {}
    order = sorted(jobs, key=lambda j: len(j.text))
    for lo in range(0, len(order), embedder.batch_size):
        batch = order[lo : lo + embedder.batch_size]
        vectors, spans = embedder.embed_passages(
            [j.text for j in batch], [[(a, b) for _, a, b in j.sentences] for j in batch]
        )
        dense.add_with_ids(vectors, np.array([j.pid for j in batch], dtype=np.int64))
        for job, vecs in zip(batch, spans, strict=True):
            for (sid, _, _), vec in zip(job.sentences, vecs, strict=True):
                if vec is not None:
                    sums[sid] = sums[sid] + vec if sid in sums else vec
        if bar is not None:
            bar.update(len(batch))
        if progress is not None:
            progress(min(lo + len(batch), len(order)), len(order))
    if bar is not None:
        bar.close()
    # Sentences cut off by the model's 256-token limit in every passage: embed them alone.
    missing = [
        (sid, job.text[a:b]) for job in jobs for sid, a, b in job.sentences if sid not in sums
    ]
    missing = list(dict(missing).items())
    if missing:
        vecs = embedder.embed([t for _, t in missing])
        sums.update({sid: v for (sid, _), v in zip(missing, vecs, strict=True)})
    sids = np.array(sorted(sums), dtype=np.int64)
    mat = np.vstack([sums[s] for s in sids]).astype(np.float32)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    sentence_vecs.add_with_ids(mat, sids)


def _write_keywords(db: sqlite3.Connection, tmp: Path) -> None:
    """BM25 over all sentences, rebuilt from the stored texts on every build: no model is
    involved, so this costs seconds even for thousands of articles."""
    import bm25s

    sids: list[int] = []
    texts: list[str] = []
    rows = db.execute(
        'SELECT a.id, a.text, s.sid, s.start, s."end" FROM sentences s'
        " JOIN articles a ON a.id = s.article_id ORDER BY s.sid"
    )
    for _, text, sid, start, end in rows:
        sids.append(sid)
        texts.append(text[start:end])
    retriever = bm25s.BM25()
    retriever.index(keyword_tokens(texts), show_progress=False)
    retriever.save(str(tmp / KEYWORDS))
    np.save(tmp / KEYWORD_IDS, np.array(sids, dtype=np.int64))


def _publish(root: Path, tmp: Path) -> None:
    """fsync the new generation, rename it into place, then atomically swap CURRENT."""
    for name in (MANIFEST, META_DB, DENSE, SENTENCE_VECS, KEYWORD_IDS):
        fsync_path(tmp / name)
    gens = sorted(p.name for p in root.glob("gen-*"))
    number = int(gens[-1].split("-")[1]) + 1 if gens else 1
    final = root / f"gen-{number:06d}"
    tmp.rename(final)
    pointer = root / f".tmp-current-{uuid.uuid4().hex}"
    pointer.write_text(final.name + "\n", encoding="utf-8")
    fsync_path(pointer)
    pointer.replace(root / CURRENT)
    fsync_path(root)
    # Keep the generation before this one: a reader that read CURRENT a moment ago may be
    # opening it right now. Older ones go.
    for name in gens[:-1]:
        shutil.rmtree(root / name, ignore_errors=True)
