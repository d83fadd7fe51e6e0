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
    MANIFEST,
    META_DB,
    SCHEMA,
    check_manifest,
    current_generation,
    fsync_path,
    read_manifest,
)

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)
EMBED_BATCH = 256


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
        except (sqlite3.DatabaseError, RuntimeError):
            shutil.rmtree(tmp, ignore_errors=True)
            raise IndexMismatchError(f"{root}: index is damaged; {FULL_HINT}") from None
        old_hashes = dict(db.execute("SELECT id, hash FROM articles"))
    else:
        db.executescript(SCHEMA)
        dense = faiss.IndexIDMap2(faiss.IndexFlatIP(EMBEDDING_DIM))

    new_hashes = {a.id: article_hash(a) for a in articles}
    removed = [i for i in old_hashes if i not in new_hashes]
    changed = [a for a in articles if old_hashes.get(a.id) not in (None, new_hashes[a.id])]
    added = [a for a in articles if a.id not in old_hashes]
    unchanged = len(articles) - len(changed) - len(added)

    gone = removed + [a.id for a in changed]
    if gone:
        marks = ",".join("?" * len(gone))
        pids = [
            r[0]
            for r in db.execute(f"SELECT pid FROM passages WHERE article_id IN ({marks})", gone)
        ]
        dense.remove_ids(np.array(pids, dtype=np.int64))
        for table, key in (
            ("passages", "article_id"),
            ("sentences", "article_id"),
            ("articles", "id"),
        ):
            db.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", gone)

    next_pid = (db.execute("SELECT max(pid) FROM passages").fetchone()[0] or 0) + 1
    texts: list[str] = []
    pids: list[int] = []
    for article in changed + added:
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
                new_hashes[article.id],
            ),
        )
        db.executemany(
            "INSERT INTO sentences VALUES (?, ?, ?, ?)",
            [(article.id, i, s.start, s.end) for i, s in enumerate(chunks.sentences)],
        )
        for first, last, span in chunks.passages:
            db.execute(
                "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?)",
                (next_pid, article.id, first, last, span.start, span.end),
            )
            # The title is prepended for the embedding only: it tells the model what a
            # passage deep inside an article is about. Quotes never include it.
            texts.append(f"{article.title}\n\n{article.text[span.start : span.end]}")
            pids.append(next_pid)
            next_pid += 1

    _embed_into(dense, texts, pids, embedder or Embedder(), progress, show_progress)
    n_articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    n_passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    n_sentences = db.execute("SELECT count(*) FROM sentences").fetchone()[0]
    db.commit()
    db.close()
    faiss.write_index(dense, str(tmp / DENSE))
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
        passages_embedded=len(texts),
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


def _embed_into(dense, texts, pids, embedder, progress, show_progress) -> None:  # type: ignore[no-untyped-def]
    if not texts:
        return
    bar = None
    if show_progress and len(texts) > EMBED_BATCH:
        from tqdm import tqdm

        bar = tqdm(total=len(texts), unit="passage", desc="embedding", file=sys.stderr)
    # Sorting by length keeps padding (wasted compute) low across batches.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for lo in range(0, len(order), EMBED_BATCH):
        batch = order[lo : lo + EMBED_BATCH]
        vectors = embedder.embed([texts[i] for i in batch])
        dense.add_with_ids(vectors, np.array([pids[i] for i in batch], dtype=np.int64))
        if bar is not None:
            bar.update(len(batch))
        if progress is not None:
            progress(min(lo + EMBED_BATCH, len(order)), len(order))
    if bar is not None:
        bar.close()


def _publish(root: Path, tmp: Path) -> None:
    """fsync the new generation, rename it into place, then atomically swap CURRENT."""
    for name in (MANIFEST, META_DB, DENSE):
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
