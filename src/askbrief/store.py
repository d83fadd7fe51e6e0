"""The index folder: generations of (manifest.json, meta.sqlite, dense.faiss) and a CURRENT pointer.

A build writes a complete new generation beside the old one and then atomically replaces
CURRENT, so a crash at any moment leaves the previous generation intact, and readers that
already opened the old one keep answering from it.

    index/
      CURRENT           "gen-000007"
      gen-000007/       manifest.json  meta.sqlite  dense.faiss (passages)
                        sentences.faiss  bm25/ + bm25_sids.npy (keyword search over sentences)
      .lock             held by the one build allowed at a time
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import EMBEDDING_DIM, FORMAT_VERSION, MODEL_ID
from .errors import IndexMismatchError, NoIndexError
from .records import Article, Span

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
META_DB = "meta.sqlite"
DENSE = "dense.faiss"
SENTENCE_VECS = "sentences.faiss"
KEYWORDS = "bm25"
KEYWORD_IDS = "bm25_sids.npy"
FULL_HINT = "run `askbrief index --full` to rebuild it"

SCHEMA = """
CREATE TABLE articles (
  id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, source_path TEXT NOT NULL,
  format TEXT NOT NULL, source TEXT, url TEXT, published TEXT, hash TEXT NOT NULL
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
"""


@dataclass(frozen=True)
class PassageRow:
    pid: int
    article_id: str
    first: int
    last: int
    start: int
    end: int


def current_generation(root: Path) -> Path | None:
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return root / name if name else None


def read_manifest(gen: Path) -> dict[str, Any]:
    return json.loads((gen / MANIFEST).read_text(encoding="utf-8"))


def check_manifest(manifest: dict[str, Any], where: Path) -> None:
    """Refuse an index another format or model wrote: its vectors would mean something else."""
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{where}: index format {version} is not the current format {FORMAT_VERSION}; "
            f"{FULL_HINT}"
        )
    if manifest.get("model") != MODEL_ID or manifest.get("dim") != EMBEDDING_DIM:
        raise IndexMismatchError(
            f"{where}: index was built with model {manifest.get('model')!r}, this askbrief "
            f"uses {MODEL_ID!r}; {FULL_HINT}"
        )


class Store:
    """One generation of the index, opened read-only."""

    def __init__(self, root: Path) -> None:
        gen = current_generation(root)
        if gen is None or not gen.is_dir():
            raise NoIndexError(f"no index at {root}/: run `askbrief index` first")
        self.root = root
        self.generation = gen
        try:
            self.manifest = read_manifest(gen)
        except (OSError, ValueError):
            raise IndexMismatchError(
                f"{root}: index manifest is missing or damaged; {FULL_HINT}"
            ) from None
        check_manifest(self.manifest, root)
        self.db = _open_db(gen / META_DB, root)
        self.dense = _read_faiss(gen / DENSE, root)
        self.sentence_vecs = _read_faiss(gen / SENTENCE_VECS, root)
        self.keywords, self.keyword_ids = _read_bm25(gen, root)
        n_passages = self.db.execute("SELECT count(*) FROM passages").fetchone()[0]
        if self.dense.ntotal != n_passages or n_passages != self.manifest.get("passages"):
            raise IndexMismatchError(
                f"{root}: index is inconsistent ({self.dense.ntotal} vectors, {n_passages} "
                f"passages); {FULL_HINT}"
            )

    def close(self) -> None:
        self.db.close()

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Passage ids and inner-product scores, best first, for one query vector."""
        k = min(k, self.dense.ntotal)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self.dense.search(vector.reshape(1, -1).astype(np.float32), k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def search_sentences(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.sentence_vecs.ntotal)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self.sentence_vecs.search(vector.reshape(1, -1).astype(np.float32), k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def search_keywords(self, query_tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Sentence ids and BM25 scores for stemmed query tokens (unknown words ignored)."""
        vocab = self.keywords.vocab_dict
        known = [t for t in query_tokens if t in vocab]
        n_docs = len(self.keyword_ids)
        if not known or n_docs == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self.keywords.get_scores(known)
        k = min(k, n_docs)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        top = top[scores[top] > 0]
        return self.keyword_ids[top], scores[top].astype(np.float32)

    def sentence_vectors(self, sids: list[int]) -> np.ndarray:
        return np.vstack([self.sentence_vecs.reconstruct(int(s)) for s in sids])

    def sentence_rows(self, sids: list[int]) -> dict[int, tuple[str, int, int, int]]:
        """sid -> (article_id, idx, start, end)"""
        marks = ",".join("?" * len(sids))
        rows = self.db.execute(
            f'SELECT sid, article_id, idx, start, "end" FROM sentences WHERE sid IN ({marks})',
            sids,
        )
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def passages(self, pids: list[int]) -> dict[int, PassageRow]:
        marks = ",".join("?" * len(pids))
        rows = self.db.execute(
            f'SELECT pid, article_id, first, last, start, "end" FROM passages WHERE pid IN ({marks})',
            pids,
        )
        return {r[0]: PassageRow(*r) for r in rows}

    def sentences(self, article_id: str, first: int, last: int) -> list[tuple[int, int, Span]]:
        """(sid, idx, span) of sentences first..last of an article."""
        rows = self.db.execute(
            'SELECT sid, idx, start, "end" FROM sentences'
            " WHERE article_id = ? AND idx BETWEEN ? AND ? ORDER BY idx",
            (article_id, first, last),
        )
        return [(r[0], r[1], Span(r[2], r[3])) for r in rows]

    def article(self, article_id: str) -> Article | None:
        row = self.db.execute(
            "SELECT id, title, text, source_path, format, source, url, published FROM articles"
            " WHERE id = ?",
            (article_id,),
        ).fetchone()
        return Article(*row) if row else None

    def article_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM articles ORDER BY id")]


def _open_db(path: Path, root: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise IndexMismatchError(f"{root}: metadata database is missing; {FULL_HINT}")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        db.execute("SELECT count(*) FROM articles").fetchone()
    except sqlite3.DatabaseError as err:
        raise IndexMismatchError(
            f"{root}: metadata database is damaged ({err}); {FULL_HINT}"
        ) from None
    return db


def _read_faiss(path: Path, root: Path):  # type: ignore[no-untyped-def]
    import faiss

    if not path.is_file():
        raise IndexMismatchError(f"{root}: FAISS index file is missing; {FULL_HINT}")
    try:
        return faiss.read_index(str(path))
    except RuntimeError:
        raise IndexMismatchError(f"{root}: FAISS index file is damaged; {FULL_HINT}") from None


def _read_bm25(gen: Path, root: Path):  # type: ignore[no-untyped-def]
    import bm25s

    try:
        ids = np.load(gen / KEYWORD_IDS)
        return bm25s.BM25.load(str(gen / KEYWORDS)), ids
    except (OSError, ValueError):
        raise IndexMismatchError(
            f"{root}: keyword index is missing or damaged; {FULL_HINT}"
        ) from None


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
