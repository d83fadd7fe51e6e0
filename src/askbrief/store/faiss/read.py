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

import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from askbrief.errors import IndexMismatchError, NoIndexError
from askbrief.ingest.entities import Entity
from askbrief.location import StoreLocation
from askbrief.records import (
    Article,
    ArticleEntry,
    ArticleVersion,
    PassageRow,
    SentenceRow,
    version_of,
)
from askbrief.store.days import stored_day
from askbrief.store.faiss.files import META_DB, open_db, read_bm25, read_faiss
from askbrief.store.faiss.history import SAVED_COLUMN, KeptVersions
from askbrief.store.history import listing, prior_saved_at, version_at
from askbrief.store.manifest import FULL_HINT, check_manifest, read_manifest, verify_files

CURRENT = "CURRENT"
DENSE = "dense.faiss"
SENTENCE_VECS = "sentences.faiss"
KEYWORD_TOKENS = "bm25_tokens.npz"  # each sentence's tokens, so updates tokenise only new ones
GENERATION = re.compile(r"gen-\d{6,}")
# Lists an IVF index reads per search (vectors.py writes one above a size); set when read,
# so a new setting needs no rebuild. recall@10 >= 0.985 against exhaustive search on real
# questions at 1M.
NPROBE = 128
ARTICLE_SIDS_CACHE = 20_000  # articles whose sentence ids are kept between questions

# Who uploaded an article and when (provenance.py): columns that indexes written before
# provenance lack (write.py's SCHEMA makes the tables). Readers read them only where
# present, and an incremental build adds them, so such an index needs no rebuild.
PROVENANCE_COLUMNS = ("added_by", "added_at")
# Each article's date (store/days.py): generations written before it have no such column;
# a reader computes the date there, and an incremental build adds and fills it.
DAY_COLUMN = "day"


def _article_columns(db: sqlite3.Connection) -> set[str]:
    return {row[1] for row in db.execute("PRAGMA table_info(articles)")}


def current_generation(root: Path) -> Path | None:
    """The generation CURRENT names, or None if there is none or it cannot be read. Lenient:
    an open Index polls this and keeps its generation when the answer is None."""
    try:
        return read_current(root)
    except (NoIndexError, IndexMismatchError):
        return None


def read_current(root: Path) -> Path:
    """The generation CURRENT names; strict, with a one-line error saying what is wrong."""
    pointer = root / CURRENT
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        if generations(root):
            raise IndexMismatchError(f"{pointer} is missing; {FULL_HINT}") from None
        raise NoIndexError(f"no index at {root}/: run `askbrief index` first") from None
    except OSError as err:
        raise IndexMismatchError(f"{pointer}: cannot read ({err.strerror}); {FULL_HINT}") from None
    name = raw.decode("ascii", errors="replace").strip()
    if not GENERATION.fullmatch(name):
        raise IndexMismatchError(
            f"{pointer} is damaged (it should name a generation such as gen-000001); {FULL_HINT}"
        )
    gen = root / name
    if not gen.is_dir():
        raise IndexMismatchError(f"{pointer} names {name}, which is missing; {FULL_HINT}")
    return gen


def generations(root: Path) -> list[Path]:
    """The generation folders under `root`, oldest first."""
    try:
        found = [p for p in root.iterdir() if GENERATION.fullmatch(p.name) and p.is_dir()]
    except OSError:
        return []
    return sorted(found, key=lambda p: int(p.name.split("-")[1]))


class FaissStore:
    """One generation of the index folder `location` names, opened read-only."""

    def __init__(self, location: StoreLocation) -> None:
        assert location.path is not None, "a FAISS store is a folder"
        self.location = location
        self.root = root = location.path
        for attempt in range(3):
            gen = read_current(root)
            try:
                self._open(gen)
                return
            except IndexMismatchError:
                # A build may have replaced CURRENT (and removed this generation) while it
                # was being opened: then open the new one; otherwise the damage is real.
                if attempt == 2 or current_generation(root) in (gen, None):
                    raise

    def _open(self, gen: Path) -> None:
        root = self.root
        self.generation = gen
        self._sids: OrderedDict[str, np.ndarray] = OrderedDict()  # article id -> sentence ids
        self._sids_lock = threading.Lock()
        self.manifest = read_manifest(gen)
        check_manifest(self.manifest, root)
        verify_files(gen, self.manifest)
        self.db = open_db(gen / META_DB, root)
        try:
            # an index written before provenance has no such columns: its articles have none
            columns = _article_columns(self.db)
            found = set(PROVENANCE_COLUMNS) <= columns
        except sqlite3.DatabaseError as err:
            self.db.close()
            raise IndexMismatchError(
                f"{root}: metadata database {META_DB} is damaged ({err}); {FULL_HINT}"
            ) from None
        self._provenance = "".join(f", {c}" for c in PROVENANCE_COLUMNS) if found else ""
        self._day = DAY_COLUMN if DAY_COLUMN in columns else "NULL"
        self._saved = SAVED_COLUMN if SAVED_COLUMN in columns else "NULL"
        self._corrected: int | None = None
        try:
            self.dense = read_faiss(gen / DENSE, root)
            self.sentence_vecs = read_faiss(gen / SENTENCE_VECS, root)
            for index in (self.dense, self.sentence_vecs):
                if hasattr(index, "nprobe"):  # set when read: a new setting needs no rebuild
                    index.nprobe = NPROBE
            self.keywords, self.keyword_ids = read_bm25(gen, root)
            self._max_sid = int(self.keyword_ids.max()) if len(self.keyword_ids) else 0
            n_passages = self._one("SELECT count(*) FROM passages")[0]
        except IndexMismatchError:
            self.db.close()
            raise
        if self.dense.ntotal != n_passages or n_passages != self.manifest.get("passages"):
            self.db.close()
            raise IndexMismatchError(
                f"{root}: index is inconsistent ({self.dense.ntotal} vectors, {n_passages} "
                f"passages); {FULL_HINT}"
            )
        try:
            self.kept = KeptVersions(gen, root, self.manifest)  # article versions (history.py)
        except IndexMismatchError:
            self.db.close()
            raise

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query; a database damaged after it was opened is a one-line error too."""
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as err:
            raise IndexMismatchError(
                f"{self.root}: metadata database is damaged ({err}); {FULL_HINT}"
            ) from None

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
        rows = self._rows(sql, params)
        return rows[0] if rows else ()

    def close(self) -> None:
        self.db.close()
        self.kept.close()

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Passage ids and inner-product scores, best first, for one query vector."""
        return _top(self.dense, vector, k)

    def search_sentences(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Sentence ids and scores against the late-chunked sentence vectors."""
        return _top(self.sentence_vecs, vector, k)

    def search_keywords(self, query_tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Sentence ids and BM25 scores for stemmed query tokens (unknown words ignored)."""
        vocab = self.keywords.vocab_dict
        known = [t for t in query_tokens if t in vocab]
        n_docs = len(self.keyword_ids)
        if not known or n_docs == 0 or k < 1:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self.keywords.get_scores(known)
        # Only sentences sharing a term score above 0: select among those, not all (at 5M
        # sentences, partitioning every score took 75 ms of a 180 ms question; this, 14 ms).
        # Equal scores keep document order, which is (article, sentence) order (see
        # write.py's _write_keywords): the same tie order as the Milvus store, whose ids differ.
        top = np.flatnonzero(scores)
        if len(top) > k:
            kth = np.partition(scores[top], len(top) - k)[len(top) - k]
            top = top[scores[top] >= kth]
        top = top[np.argsort(-scores[top], kind="stable")][:k]
        return self.keyword_ids[top], scores[top].astype(np.float32)

    def stale(self) -> bool:
        """True when a build has published a newer generation than the one open here."""
        gen = current_generation(self.root)
        return gen is not None and gen != self.generation and gen.is_dir()

    def term_counts(self, tokens: list[str]) -> tuple[dict[str, int], int]:
        """How many sentences hold each keyword token, and how many sentences there are:
        read from the BM25 postings, so no text is tokenised again."""
        indptr = self.keywords.scores["indptr"]
        vocab = self.keywords.vocab_dict
        counts = {}
        for t in tokens:
            v = vocab.get(t)
            counts[t] = (
                int(indptr[v + 1] - indptr[v]) if v is not None and v + 1 < len(indptr) else 0
            )
        return counts, len(self.keyword_ids)

    def articles_holding(self, tokens: list[str], articles: set[str]) -> dict[str, set[str]]:
        """Which of `articles` use each token anywhere, from the BM25 postings: one gather
        per token over an array marking the articles' sentences, so the cost follows the
        postings' length and nothing is held between questions."""
        names = sorted(articles)
        if not names:
            return {}
        owner = np.full(self._max_sid + 1, -1, dtype=np.int32)
        for code, sids in enumerate(self._article_sids(names)):
            owner[sids] = code
        indptr, indices = self.keywords.scores["indptr"], self.keywords.scores["indices"]
        vocab = self.keywords.vocab_dict
        out: dict[str, set[str]] = {}
        for term in tokens:
            v = vocab.get(term)
            if v is None or v + 1 >= len(indptr):
                continue
            held = owner[self.keyword_ids[indices[indptr[v] : indptr[v + 1]]]]
            out[term] = {names[c] for c in np.unique(held[held >= 0])}
        return out

    def _article_sids(self, names: list[str]) -> list[np.ndarray]:
        """Each article's sentence ids, kept for the generation (they never change in one):
        the articles of one question recur in the next."""
        with self._sids_lock:
            return self._cached_sids(names)

    def _cached_sids(self, names: list[str]) -> list[np.ndarray]:
        cache = self._sids
        missing = [a for a in names if a not in cache]
        for chunk in _batches(missing):
            found: dict[str, list[int]] = {a: [] for a in chunk}
            marks = ",".join("?" * len(chunk))
            for sid, article_id in self._rows(
                f"SELECT sid, article_id FROM sentences WHERE article_id IN ({marks})", chunk
            ):
                found[article_id].append(sid)
            cache.update((a, np.asarray(s, dtype=np.int64)) for a, s in found.items())
        out = [cache[a] for a in names]
        for a in names:
            cache.move_to_end(a)
        while len(cache) > ARTICLE_SIDS_CACHE:
            cache.popitem(last=False)
        return out

    def sentence_vectors(self, sids: list[int]) -> np.ndarray:
        return self.sentence_vecs.reconstruct_batch(np.asarray(sids, dtype=np.int64))

    def sentence_rows(self, sids: list[int]) -> dict[int, SentenceRow]:
        marks = ",".join("?" * len(sids))
        rows = self._rows(
            f'SELECT sid, article_id, idx, start, "end" FROM sentences WHERE sid IN ({marks})',
            sids,
        )
        return {r[0]: SentenceRow(*r) for r in rows}

    def passages(self, pids: list[int]) -> dict[int, PassageRow]:
        marks = ",".join("?" * len(pids))
        rows = self._rows(
            f'SELECT pid, article_id, first, last, start, "end" FROM passages WHERE pid IN ({marks})',
            pids,
        )
        return {r[0]: PassageRow(*r) for r in rows}

    def sentences(self, article_id: str, first: int, last: int) -> list[SentenceRow]:
        """Sentences first..last of an article, in order."""
        rows = self._rows(
            'SELECT sid, article_id, idx, start, "end" FROM sentences'
            " WHERE article_id = ? AND idx BETWEEN ? AND ? ORDER BY idx",
            (article_id, first, last),
        )
        return [SentenceRow(*r) for r in rows]

    def sentences_within(self, ranges: Sequence[tuple[str, int, int]]) -> list[SentenceRow]:
        """The sentences first..last of each (article_id, first, last): one query for all
        of a question's candidates' neighbours."""
        found: dict[int, SentenceRow] = {}
        for chunk in _batches(list(dict.fromkeys(ranges)), 300):
            rows = self._rows(
                f"WITH want(a, lo, hi) AS (VALUES {','.join(['(?,?,?)'] * len(chunk))})"
                ' SELECT s.sid, s.article_id, s.idx, s.start, s."end" FROM want JOIN sentences s'
                " ON s.article_id = want.a AND s.idx BETWEEN want.lo AND want.hi",
                [v for r in chunk for v in r],
            )
            found.update((r[0], SentenceRow(*r)) for r in rows)
        return list(found.values())

    def entities_within(
        self, spans: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[Entity]]:
        """The entities wholly inside each (article_id, start, end), by start (as
        entities.in_span): one query for all of a question's candidates."""
        out: dict[tuple[str, int, int], list[Entity]] = {s: [] for s in spans}
        for chunk in _batches(list(out), 300):
            rows = self._rows(
                f"WITH want(a, lo, hi) AS (VALUES {','.join(['(?,?,?)'] * len(chunk))})"
                ' SELECT want.a, want.lo, want.hi, e.start, e."end", e.label FROM want'
                " JOIN entities e ON e.article_id = want.a AND e.start >= want.lo"
                ' AND e.start < want.hi AND e."end" <= want.hi ORDER BY want.a, want.lo, e.start',
                [v for s in chunk for v in s],
            )
            for a, lo, hi, start, end, label in rows:
                out[a, lo, hi].append((start, end, label))
        return out

    def articles(self, article_ids: list[str]) -> dict[str, Article]:
        """The articles found among `article_ids`: one query for a question's articles."""
        out: dict[str, Article] = {}
        for chunk in _batches(sorted(set(article_ids))):
            rows = self._rows(
                "SELECT id, title, text, source_path, format, source, url, published"
                f"{self._provenance} FROM articles"
                f" WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            out.update((r[0], Article(*r)) for r in rows)
        return out

    def entities(self, article_id: str) -> list[Entity]:
        """(start, end, label) of the named entities in an article's text, by start."""
        rows = self._rows(
            'SELECT start, "end", label FROM entities WHERE article_id = ? ORDER BY start',
            (article_id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def article(self, article_id: str) -> Article | None:
        row = self._one(
            "SELECT id, title, text, source_path, format, source, url, published"
            f"{self._provenance}"
            " FROM articles WHERE id = ?",
            (article_id,),
        )
        return Article(*row) if row else None

    def article_days(self, article_ids: list[str]) -> dict[str, date | None]:
        """Each article's date as the build stored it (None: undated, or not in the
        index); a generation written before dates were stored computes them instead."""
        out: dict[str, date | None] = dict.fromkeys(article_ids)
        for chunk in _batches(sorted(set(article_ids))):
            rows = self._rows(
                f"SELECT id, {self._day}, published, url FROM articles"
                f" WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            out.update((r[0], stored_day(*r[1:])) for r in rows)
        return out

    def article_ids(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT id FROM articles ORDER BY id")]

    def versions(self, article_id: str) -> list[ArticleVersion]:
        """The article's versions, oldest first, its current text last (history.py); []
        for an unknown id."""
        row = self._one(
            f"SELECT title, text, {self._saved} FROM articles WHERE id = ?", (article_id,)
        )
        current = None
        if row:
            title, text, saved_at = row
            saved_at = prior_saved_at(saved_at, self.manifest)
            current = ArticleVersion(article_id, version_of(text), saved_at, len(text), title)
        return listing(self.kept.listed(article_id), current)

    def article_version(self, article_id: str, version: str) -> Article | None:
        """The article as it was at `version`, the current one too; None if unknown."""
        return version_at(
            self.article(article_id), version, lambda v: self.kept.article(article_id, v)
        )

    def corrected_articles(self) -> int:
        """How many indexed articles have more than one version: those with a kept one."""
        if self._corrected is None:
            ids = self.kept.article_ids()
            self._corrected = sum(
                len(
                    self._rows(f"SELECT id FROM articles WHERE id IN ({','.join('?' * len(c))})", c)
                )
                for c in _batches(ids)
            )
        return self._corrected

    def catalog(self) -> list[ArticleEntry]:
        rows = self._rows(
            "SELECT a.id, a.title, a.source_path, a.url, a.published, count(p.pid)"
            f"{self._provenance} FROM articles a LEFT JOIN passages p ON p.article_id = a.id"
            " GROUP BY a.id ORDER BY a.id"
        )
        return [ArticleEntry(*r) for r in rows]


def _batches(ids: list[Any], size: int = 500) -> list[list[Any]]:
    """Ids in slices small enough for one SQL `IN (...)` each."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _top(index: Any, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if not hasattr(index, "nprobe"):
        # An exhaustive search of one question runs in this thread alone (an OpenMP setting of
        # the calling thread): with two threads it took 50 ms against 15-20 ms on a busy
        # 2-core machine (76k sentences), the same hits either way. IVF keeps its threads.
        import faiss

        faiss.omp_set_num_threads(1)
    scores, ids = index.search(vector.reshape(1, -1).astype(np.float32), k)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]
