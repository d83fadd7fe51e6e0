"""Reading a Milvus store: Milvus Lite (a .db path, in-process) or a Milvus server, same code.

Everything a question needs lives in Milvus (schema.py lays it out), so app servers
hold no index state. Builds never change what a reader sees until they publish: a reader
pins the published build and sees only the rows visible at it; a build publishes by one
atomic write of the meta row (write.py).
"""

from __future__ import annotations

import contextlib
import json
import time
import weakref
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np

from askbrief.config import EMBEDDING_DIM
from askbrief.errors import AskbriefError, IndexMismatchError, NoIndexError
from askbrief.ingest.entities import Entity, in_span
from askbrief.location import StoreLocation
from askbrief.records import (
    Article,
    ArticleEntry,
    ArticleVersion,
    PassageRow,
    SentenceRow,
)
from askbrief.store.days import stored_day
from askbrief.store.history import current_version, listing, prior_saved_at, version_at
from askbrief.store.manifest import FULL_HINT, check_manifest
from askbrief.store.milvus.connection import Connection, orphaned
from askbrief.store.milvus.history import KeptVersions
from askbrief.store.milvus.schema import (
    BM25_B,
    BM25_K1,
    PASSAGE_FIELDS,
    SENTENCE_FIELDS,
    STORE_FORMAT,
    TERM_CHARS,
    blob_key,
    decode_blob,
    id_key,
    term_key,
    visible,
)

STALE_CHECK_SECONDS = 1.0
CACHE_ROWS = 200_000  # rows remembered per open store before the caches start over
CACHE_ARTICLES = 4096
CATALOG_BATCH = 256


class MilvusStore:
    """The published state of a Milvus store, for questions. Thread-safe: pymilvus clients
    are, and the caches only ever hold rows of the pinned build."""

    def __init__(self, loc: StoreLocation) -> None:
        self.loc = loc
        self.conn = Connection(loc)
        # A store the query side drops for a newer build (or never closes) lets go of its
        # connection too, at the next open: Milvus Lite frees the .db with the last one.
        weakref.finalize(self, orphaned, self.conn)
        try:
            meta = self.conn.meta()
            if meta is None or not meta.get("published"):
                raise NoIndexError(
                    f"no index at {loc.shown}: run `askbrief index --store {loc.shown}` first"
                )
            check_manifest(meta, loc.shown)
            if meta.get("store_format") != STORE_FORMAT:
                raise IndexMismatchError(
                    f"{loc.shown}: store format {meta.get('store_format')} is not the current "
                    f"format {STORE_FORMAT}; {FULL_HINT}"
                )
            self.conn.load()
            # article versions (history.py): checked on open, like the rest
            self.kept = KeptVersions(self.conn, meta, int(meta["published"]))
        except BaseException:
            self.conn.close()
            raise
        self.manifest = {k: v for k, v in meta.items() if k not in ("started",)}
        self.build = int(meta["published"])
        self._filter = visible(self.build)
        self._n_docs = int(meta.get("sentences") or 0)
        self._avgdl = float(meta.get("tokens") or 0) / max(1, self._n_docs)
        self._checked = time.monotonic()
        self._stale = False
        self._passage_rows: dict[int, PassageRow] = {}
        self._sentence_rows: dict[int, SentenceRow] = {}
        self._version: dict[str, int] = {}  # article id -> its version at this build
        self._infos: dict[int, dict[str, Any]] = {}  # version -> its articles row
        self._blobs: dict[tuple[int, str], Any] = {}
        self._df: dict[str, int] = {}
        self._corrected: int | None = None

    def close(self) -> None:
        self.conn.close()

    def stale(self) -> bool:
        """True once another build has published; asks Milvus at most once a second."""
        if self._stale:
            return True
        now = time.monotonic()
        if now - self._checked < STALE_CHECK_SECONDS:
            return False
        self._checked = now
        with contextlib.suppress(AskbriefError):  # unreachable now: keep what we have
            meta = self.conn.meta()
            self._stale = bool(meta and meta.get("published") != self.build)
        return self._stale

    # searches -----------------------------------------------------------------------

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Passage ids and inner-product scores, best first."""
        hits = self._search("passages", vector, k, PASSAGE_FIELDS)
        for hit in hits:
            self._remember_passage(hit.id, hit["entity"])
        return _ids_scores(hits)

    def search_sentences(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        hits = self._search("sentences", vector, k, SENTENCE_FIELDS)
        for hit in hits:
            self._remember_sentence(hit.id, hit["entity"])
        return _ids_scores(hits)

    def search_keywords(self, query_tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Sentence ids and BM25 scores for stemmed query tokens, as the FAISS store's bm25s
        index scores them. Milvus's BM25 full-text search finds the candidates; they are
        scored again with the store-wide statistics this build published, because Milvus
        Lite keeps BM25 statistics per segment (a server keeps them per collection), and
        so that both stores rank alike."""
        df = self._dfs(list(dict.fromkeys(query_tokens)))
        known = [t for t in query_tokens if df.get(t, 0) > 0]
        if not known or self._n_docs == 0 or k < 1:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        hits = self.conn.call(
            self.conn.client.search,
            self.conn.name("sentences"),
            data=[" ".join(known)],
            anns_field="sparse",
            limit=min(16_384, max(8 * k, 500)),
            filter=self._filter,
            output_fields=[*SENTENCE_FIELDS, "kw"],
            search_params={"metric_type": "BM25"},
        )[0]
        docs = []
        for hit in hits:
            self._remember_sentence(hit.id, hit["entity"])
            docs.append(hit["entity"].get("kw", "").split())
        scores = bm25_scores(known, docs, df, self._n_docs, self._avgdl)
        ids = np.array([hit.id for hit in hits], dtype=np.int64)
        # equal scores in (article, sentence) order, as the FAISS store breaks ties
        keys = sorted(
            range(len(hits)),
            key=lambda i: (-scores[i], hits[i]["entity"]["article_id"], hits[i]["entity"]["idx"]),
        )
        order = np.array(keys, dtype=np.int64)[:k]
        order = order[scores[order] > 0]
        return ids[order], scores[order]

    def _search(self, kind: str, vector: np.ndarray, k: int, fields: list[str]) -> list[Any]:
        if k < 1:
            return []
        return self.conn.call(
            self.conn.client.search,
            self.conn.name(kind),
            data=[np.asarray(vector, dtype=np.float32)],
            anns_field="vector",
            limit=min(k, 16_384),
            filter=self._filter,
            output_fields=fields,
            search_params={"metric_type": "IP"},
        )[0]

    # keyword statistics -------------------------------------------------------------

    def term_counts(self, tokens: list[str]) -> tuple[dict[str, int], int]:
        """How many sentences hold each keyword token, and how many sentences there are."""
        df = self._dfs(tokens)
        return {t: df.get(t, 0) for t in tokens}, self._n_docs

    def _dfs(self, tokens: list[str]) -> dict[str, int]:
        missing = [t for t in dict.fromkeys(tokens) if t not in self._df]
        if missing:
            keys = {term_key(t): t for t in missing}
            rows = self.conn.get("terms", list(keys), ["term", "df", "prev_df", "build"])
            if len(self._df) > CACHE_ROWS:
                self._df = {}
            found = {keys[r["id"]]: r for r in rows if keys[r["id"]][:TERM_CHARS] == r["term"]}
            for t in missing:
                r = found.get(t)
                # a build that has not published yet keeps the old count in prev_df
                self._df[t] = (
                    0 if r is None else int(r["df" if r["build"] <= self.build else "prev_df"])
                )
        return {t: self._df[t] for t in tokens}

    def articles_holding(self, tokens: list[str], articles: set[str]) -> dict[str, set[str]]:
        """Which of `articles` use each token anywhere (their stored term sets); tokens no
        sentence holds are left out, as the FAISS store leaves them out."""
        versions = self._versions(articles)
        terms = self._blob_values(list(versions.values()), "terms")
        df = self._dfs(tokens)
        return {
            t: {a for a, v in versions.items() if t in (terms.get(v) or ())}
            for t in tokens
            if df[t] > 0
        }

    # rows ---------------------------------------------------------------------------

    def sentence_vectors(self, sids: list[int]) -> np.ndarray:
        rows = {
            r["id"]: r for r in self.conn.get("sentences", list(dict.fromkeys(sids)), ["vector"])
        }
        out = np.zeros((len(sids), EMBEDDING_DIM), dtype=np.float32)
        for i, sid in enumerate(sids):
            if sid in rows:
                out[i] = rows[sid]["vector"]
        return out

    def sentence_rows(self, sids: list[int]) -> dict[int, SentenceRow]:
        """The articles' texts and spans are fetched alongside, since the caller reads
        them next."""
        missing = [s for s in sids if s not in self._sentence_rows]
        if missing:
            for row in self._visible_rows("sentences", missing, SENTENCE_FIELDS):
                self._remember_sentence(row["id"], row)
        found = {s: self._sentence_rows[s] for s in sids if s in self._sentence_rows}
        self._prefetch({row.article_id for row in found.values()}, ("article", "spans", "entities"))
        return found

    def passages(self, pids: list[int]) -> dict[int, PassageRow]:
        missing = [p for p in pids if p not in self._passage_rows]
        if missing:
            for row in self._visible_rows("passages", missing, PASSAGE_FIELDS):
                self._remember_passage(row["id"], row)
        found = {p: self._passage_rows[p] for p in pids if p in self._passage_rows}
        self._prefetch({row.article_id for row in found.values()}, ("spans",))
        return found

    def sentences(self, article_id: str, first: int, last: int) -> list[SentenceRow]:
        """Sentences first..last of an article, in order."""
        version = self._versions({article_id}).get(article_id)
        if version is None:
            return []
        spans = self._blob_values([version], "spans").get(version) or []
        lo, hi = max(0, first), min(len(spans) - 1, last)
        return [
            SentenceRow(spans[i][0], article_id, i, spans[i][1], spans[i][2])
            for i in range(lo, hi + 1)
        ]

    def sentences_within(self, ranges: Sequence[tuple[str, int, int]]) -> list[SentenceRow]:
        """The sentences first..last of each (article_id, first, last); their blobs fetched
        together."""
        self._prefetch({a for a, _, _ in ranges}, ("spans",))
        found = {s.sid: s for a, first, last in ranges for s in self.sentences(a, first, last)}
        return list(found.values())

    def entities_within(
        self, spans: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[Entity]]:
        """The entities wholly inside each (article_id, start, end), by start; their blobs
        fetched together."""
        self._prefetch({a for a, _, _ in spans}, ("entities",))
        return {(a, s, e): in_span(self.entities(a), s, e) for a, s, e in spans}

    def articles(self, article_ids: list[str]) -> dict[str, Article]:
        """The articles found among `article_ids`; their blobs fetched together."""
        self._prefetch(set(article_ids), ("article",))
        found = {a: self.article(a) for a in article_ids}
        return {a: article for a, article in found.items() if article is not None}

    def entities(self, article_id: str) -> list[Entity]:
        """(start, end, label) of the named entities in an article's text, by start."""
        version = self._versions({article_id}).get(article_id)
        if version is None:
            return []
        found = self._blob_values([version], "entities").get(version) or []
        return [(s, e, label) for s, e, label in found]

    def article(self, article_id: str) -> Article | None:
        version = self._versions({article_id}).get(article_id)
        if version is None:
            return None
        data = self._blob_values([version], "article").get(version)
        return None if data is None else Article(id=article_id, **data)

    def article_days(self, article_ids: list[str]) -> dict[str, date | None]:
        """Each article's date as the build stored it in the article's row (None: undated,
        or not in the store); rows written before dates were stored have it computed from
        the article's metadata."""
        versions = self._versions(article_ids)
        infos = self._article_infos(list(versions.values()))
        older = [v for v in versions.values() if v in infos and "day" not in infos[v]]
        data = self._blob_values(older, "article") if older else {}
        out: dict[str, date | None] = dict.fromkeys(article_ids)
        for article_id, v in versions.items():
            if v in infos and "day" in infos[v]:
                out[article_id] = stored_day(infos[v]["day"], None, None)
            elif v in infos:
                found = data.get(v) or {}
                out[article_id] = stored_day(None, found.get("published"), found.get("url"))
        return out

    def article_ids(self) -> list[str]:
        rows = self.conn.rows("articles", self._filter, ["article_id"])
        return sorted({r["article_id"] for r in rows})

    def versions(self, article_id: str) -> list[ArticleVersion]:
        """The article's versions, oldest first, its current text last (history.py); []
        for an unknown id."""
        article = self.article(article_id)
        current = None
        if article is not None:
            version = self._versions({article_id})[article_id]
            info = self._article_infos([version]).get(version) or {}
            saved_at = prior_saved_at(info.get("saved_at"), self.manifest)
            current = current_version(article, saved_at)
        return listing(self.kept.listed(article_id), current)

    def article_version(self, article_id: str, version: str) -> Article | None:
        """The article as it was at `version`, the current one too; None if unknown."""
        return version_at(
            self.article(article_id), version, lambda v: self.kept.article(article_id, v)
        )

    def corrected_articles(self) -> int:
        """How many indexed articles have more than one version: those with a kept one."""
        if self._corrected is None:
            self._corrected = self.kept.indexed(self.kept.article_ids())
        return self._corrected

    def catalog(self) -> list[ArticleEntry]:
        """Reads each article's metadata blob, which holds its text too: a list of a large
        store moves every text once (CATALOG_BATCH articles a round trip)."""
        rows = list(self.conn.rows("articles", self._filter, ["article_id", "info"]))
        out = []
        for lo in range(0, len(rows), CATALOG_BATCH):
            part = rows[lo : lo + CATALOG_BATCH]
            for r in part:
                self._infos[r["id"]] = json.loads(r["info"])
            found = self._blob_values([r["id"] for r in part], "article")
            for r in part:
                data = found.get(r["id"]) or {}
                out.append(
                    ArticleEntry(
                        r["article_id"],
                        data.get("title", ""),
                        data.get("source_path", ""),
                        data.get("url"),
                        data.get("published"),
                        int(self._infos[r["id"]]["passages"]),
                        data.get("added_by"),
                        data.get("added_at"),
                    )
                )
        return sorted(out, key=lambda e: e.id)

    # caches -------------------------------------------------------------------------

    def _visible_rows(self, kind: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        rows = self.conn.get(kind, ids, [*fields, "build", "retired"])
        return [r for r in rows if r["build"] <= self.build < r["retired"]]

    def _remember_passage(self, pid: int, e: dict[str, Any]) -> None:
        if len(self._passage_rows) > CACHE_ROWS:
            self._passage_rows = {}
        self._passage_rows[pid] = PassageRow(
            pid, e["article_id"], e["first"], e["last"], e["start"], e["end"]
        )
        self._version[e["article_id"]] = e["version"]

    def _remember_sentence(self, sid: int, e: dict[str, Any]) -> None:
        if len(self._sentence_rows) > CACHE_ROWS:
            self._sentence_rows = {}
        self._sentence_rows[sid] = SentenceRow(sid, e["article_id"], e["idx"], e["start"], e["end"])
        self._version[e["article_id"]] = e["version"]

    def _versions(self, article_ids: Iterable[str]) -> dict[str, int]:
        """The version of each article at this build; ids never seen in a row are looked up
        by the hash of the id (an int, so no id is ever quoted into an expression)."""
        wanted = set(article_ids)
        for article_id in wanted - set(self._version):
            expr = f"id_hash == {id_key(article_id)} and {self._filter}"
            for row in self.conn.rows("articles", expr, ["article_id"]):
                if row["article_id"] == article_id:
                    self._version[article_id] = row["id"]
        return {a: self._version[a] for a in wanted if a in self._version}

    def _prefetch(self, article_ids: set[str], kinds: tuple[str, ...]) -> None:
        versions = list(self._versions(article_ids).values())
        for kind in kinds:
            self._blob_values(versions, kind)

    def _blob_values(self, versions: list[int], kind: str) -> dict[int, Any]:
        """Decoded blobs of one kind for these versions: two gets for all that are missing
        (their articles rows, for part counts; then the parts)."""
        missing = [v for v in dict.fromkeys(versions) if (v, kind) not in self._blobs]
        if missing:
            if len(self._blobs) > CACHE_ARTICLES * 3:
                self._blobs = {}
            infos = self._article_infos(missing)
            keys = [
                blob_key(v, kind, i)
                for v in missing
                if v in infos
                for i in range(infos[v]["parts"].get(kind, 0))
            ]
            bodies = {r["id"]: r["body"] for r in self.conn.get("blobs", keys, ["body"])}
            for v in missing:
                if v not in infos:
                    continue
                found = [
                    bodies.get(blob_key(v, kind, i)) for i in range(infos[v]["parts"].get(kind, 0))
                ]
                parts = [p for p in found if p is not None]
                if len(parts) < len(found):
                    raise IndexMismatchError(
                        f"{self.loc.shown}: parts of an article are missing; {FULL_HINT}"
                    )
                self._blobs[(v, kind)] = decode_blob(kind, "".join(parts))
        return {v: self._blobs.get((v, kind)) for v in versions}

    def _article_infos(self, versions: list[int]) -> dict[int, dict[str, Any]]:
        missing = [v for v in versions if v not in self._infos]
        if missing:
            if len(self._infos) > CACHE_ARTICLES * 4:
                self._infos = {}
            for row in self._visible_rows("articles", missing, ["info"]):
                self._infos[row["id"]] = json.loads(row["info"])
        return {v: self._infos[v] for v in versions if v in self._infos}


def _ids_scores(hits: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([h.id for h in hits], dtype=np.int64),
        np.array([h.distance for h in hits], dtype=np.float32),
    )


def bm25_scores(
    query: list[str], docs: list[list[str]], df: dict[str, int], n_docs: int, avgdl: float
) -> np.ndarray:
    """BM25 as bm25s computes it by default (Lucene idf, tf / (tf + k1 (1 - b + b dl/avgdl)),
    a query token counted as often as it is repeated), for the given documents."""
    out = np.zeros(len(docs), dtype=np.float32)
    if not docs:
        return out
    idf = {t: np.float32(np.log(1.0 + (n_docs - df[t] + 0.5) / (df[t] + 0.5))) for t in set(query)}
    avgdl = avgdl or 1.0
    for i, doc in enumerate(docs):
        norm = np.float32(BM25_K1 * ((1 - BM25_B) + BM25_B * len(doc) / avgdl))
        score = np.float32(0.0)
        for t in query:
            tf = doc.count(t)
            if tf:
                score += idf[t] * np.float32(tf / (tf + norm))
        out[i] = score
    return out
