"""The FAISS store's writer: a build writes a whole new generation beside the current one
in a scratch folder, then publishes it by swapping CURRENT (read.py describes the folder).
A crash at any moment leaves the previous generation answering. Which kind of vector index
it writes (flat or IVF) is vectors.py's choice.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from askbrief.errors import IndexMismatchError
from askbrief.ingest.chunking import Chunked
from askbrief.ingest.prepare import (
    BuildJob,
    PassageToEmbed,
    newest_article,
    passages_to_embed,
    pause_point,
    plan_changes,
    tag_entities,
    vectors_for,
)
from askbrief.location import StoreLocation
from askbrief.records import Article, BuildReport
from askbrief.store.days import day_text, stored_day
from askbrief.store.faiss.files import KEYWORD_IDS, KEYWORDS, META_DB, read_only_uri
from askbrief.store.faiss.history import SAVED_COLUMN, record_versions
from askbrief.store.faiss.read import (
    CURRENT,
    DAY_COLUMN,
    DENSE,
    KEYWORD_TOKENS,
    PROVENANCE_COLUMNS,
    SENTENCE_VECS,
    current_generation,
    generations,
)
from askbrief.store.faiss.vectors import fit_vector_index, new_vector_index
from askbrief.store.lockfile import hold
from askbrief.store.manifest import (
    FULL_HINT,
    MANIFEST,
    file_digests,
    manifest_fields,
    read_manifest,
    reuse_problem,
    verify_files,
)
from askbrief.text import keyword_tokens

LOCK = ".lock"  # in the index folder, held by the one build allowed at a time

if TYPE_CHECKING:
    import faiss

SCHEMA = """
CREATE TABLE articles (
  id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, source_path TEXT NOT NULL,
  format TEXT NOT NULL, source TEXT, url TEXT, published TEXT, hash TEXT NOT NULL,
  added_by TEXT, added_at TEXT, day TEXT, saved_at TEXT
);
CREATE TABLE sentences (
  sid INTEGER PRIMARY KEY, article_id TEXT NOT NULL, idx INTEGER NOT NULL,
  start INTEGER NOT NULL, "end" INTEGER NOT NULL
);
CREATE UNIQUE INDEX sentences_by_article ON sentences (article_id, idx);
CREATE TABLE passages (
  pid INTEGER PRIMARY KEY, article_id TEXT NOT NULL, first INTEGER NOT NULL,
  last INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL
);
CREATE INDEX passages_by_article ON passages (article_id);
CREATE TABLE entities (
  article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, label TEXT NOT NULL
);
CREATE INDEX entities_by_article ON entities (article_id);
"""


class FaissWriter:
    """Builds generations in the index folder `location` names (build.py asks it)."""

    def __init__(self, location: StoreLocation) -> None:
        assert location.path is not None, "a FAISS store is a folder"
        self.location = location
        self.root = location.path

    @contextmanager
    def lock(self, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """One build at a time: a lock file in the folder (made here if missing)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with hold(self.root / LOCK, self.location.shown, on_wait):
            yield

    def build(self, job: BuildJob, full: bool) -> BuildReport:
        """Build a new generation in a scratch folder, then publish it; on any failure the
        scratch folder goes and CURRENT still names the previous generation. The caller
        holds `lock`."""
        root = self.root
        _remove_scratch(root)
        old_gen = None if full else current_generation(root)
        if old_gen is not None:
            _check_reusable(old_gen, job, root)
        # where article versions come from: a full build carries them over too, from the
        # newest generation if CURRENT is what is damaged
        prev = current_generation(root) if full else old_gen
        if full and prev is None and generations(root):
            prev = generations(root)[-1]
        tmp = root / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            report = _build_into(tmp, old_gen, prev, job, full)
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


def _build_into(
    tmp: Path, old_gen: Path | None, prev: Path | None, job: BuildJob, full: bool
) -> BuildReport:
    """Write a whole generation into `tmp`: a copy of `old_gen` (if any) updated with the
    articles that are new or changed, or everything from scratch; and the version store,
    `prev`'s with the texts this build replaces (history.py)."""
    import faiss

    db = sqlite3.connect(tmp / META_DB)
    try:
        dense, sentence_vecs, old_hashes = _start_from(db, old_gen, tmp.parent)
        plan = plan_changes(job.articles, job.warnings, old_hashes, job.settings)
        kept = record_versions(tmp, db, prev, full, plan, job)
        _drop(db, dense, sentence_vecs, plan.removed + [a.id for a in plan.changed])
        to_embed = _add_articles(db, plan.to_embed(), plan.hashes, kept.saved, job)
        vectors = vectors_for(to_embed, job)
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
    report = plan.report(len(to_embed), counts["articles"], counts["passages"])
    # what this build changed, for the UI's status line ("updated …: 3 new articles")
    last_build = {"added": report.added, "updated": report.updated, "removed": report.removed}
    newest = newest_article(job.articles)
    fields = {"newest_article": newest, "last_build": last_build, **kept.manifest}
    _write_manifest(tmp, job, counts | fields)
    warnings = report.warnings + tuple(kept.warnings)
    return replace(report, warnings=warnings, pruned=kept.pruned if job.prune else None)


def _start_from(
    db: sqlite3.Connection, old_gen: Path | None, root: Path
) -> tuple[faiss.Index, faiss.Index, dict[str, str]]:
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
        _add_missing_columns(db)  # a generation written before provenance or days lacks them
    except (sqlite3.DatabaseError, RuntimeError, MemoryError):
        raise IndexMismatchError(f"{root}: index is damaged; {FULL_HINT}") from None
    return dense, sentence_vecs, old_hashes


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring an old generation's articles table up to the current columns, in place: the
    provenance columns stay empty (nobody is known to have uploaded those articles), each
    article's date is filled in from its published and url columns, as readers compute it
    where it is missing; saved_at is filled in by history.record_versions."""
    have = {row[1] for row in db.execute("PRAGMA table_info(articles)")}
    for column in (*PROVENANCE_COLUMNS, DAY_COLUMN, SAVED_COLUMN):
        if column not in have:
            db.execute(f"ALTER TABLE articles ADD COLUMN {column} TEXT")
    missing = db.execute(f"SELECT id, published, url FROM articles WHERE {DAY_COLUMN} IS NULL")
    db.executemany(
        f"UPDATE articles SET {DAY_COLUMN} = ? WHERE id = ?",
        [(_day_of(published, url), id_) for id_, published, url in missing.fetchall()],
    )


def _day_of(published: str | None, url: str | None) -> str:
    found = stored_day(None, published, url)
    return found.isoformat() if found else ""


def _drop(
    db: sqlite3.Connection, dense: faiss.Index, sentence_vecs: faiss.Index, gone: list[str]
) -> None:
    """Remove these articles' rows and vectors (removed or changed since the last build)."""
    if not gone:
        return
    marks = ",".join("?" * len(gone))
    where = f"WHERE article_id IN ({marks})"
    pids = [r[0] for r in db.execute(f"SELECT pid FROM passages {where}", gone)]
    sids = [r[0] for r in db.execute(f"SELECT sid FROM sentences {where}", gone)]
    # faiss's stubs take only an IDSelector; its Python wrapper takes an array of ids as well
    dense.remove_ids(np.array(pids, dtype=np.int64))  # type: ignore[arg-type]
    sentence_vecs.remove_ids(np.array(sids, dtype=np.int64))  # type: ignore[arg-type]
    db.execute(f"DELETE FROM passages {where}", gone)
    db.execute(f"DELETE FROM sentences {where}", gone)
    db.execute(f"DELETE FROM entities {where}", gone)
    db.execute(f"DELETE FROM articles WHERE id IN ({marks})", gone)


def _write_manifest(tmp: Path, job: BuildJob, counts: dict[str, object]) -> None:
    """Written last: it records every other file's size and checksum."""
    manifest = {**manifest_fields(job.settings), **counts, "files": file_digests(tmp)}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _check_reusable(gen: Path, job: BuildJob, root: Path) -> None:
    """An incremental build copies the current generation: it must be sound and alike."""
    manifest = read_manifest(gen)
    problem = reuse_problem(manifest, job.settings)
    if problem:
        raise IndexMismatchError(f"{root}: {problem}; {FULL_HINT}")
    verify_files(gen, manifest)


def _add_articles(
    db: sqlite3.Connection,
    articles: list[tuple[Article, Chunked]],
    hashes: dict[str, str],
    saved: dict[str, str],
    job: BuildJob,
) -> list[PassageToEmbed]:
    """Write these articles' rows; return their passages to embed."""
    next_pid = (db.execute("SELECT max(pid) FROM passages").fetchone()[0] or 0) + 1
    next_sid = (db.execute("SELECT max(sid) FROM sentences").fetchone()[0] or 0) + 1
    to_embed: list[PassageToEmbed] = []
    found = tag_entities([article.text for article, _ in articles], job)
    for (article, chunks), entities in zip(articles, found, strict=True):
        db.executemany(
            "INSERT INTO entities VALUES (?, ?, ?, ?)", [(article.id, *e) for e in entities]
        )
        db.execute(
            "INSERT INTO articles (id, title, text, source_path, format, source, url, published,"
            " hash, added_by, added_at, day, saved_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                article.added_by,
                article.added_at,
                day_text(article),
                saved[article.id],
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
        to_embed.extend(passages_to_embed(article, chunks, sids, pids))
    return to_embed


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


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
