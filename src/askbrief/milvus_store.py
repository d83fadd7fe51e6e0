"""The index in Milvus: Milvus Lite (a .db path, in-process) or a Milvus server, same code.

Everything a question needs lives in Milvus, so app servers hold no index state:

    <prefix>_meta       one row: the manifest, the published build number, BM25 totals
    <prefix>_articles   one row per article version: id, content hash, counts
    <prefix>_blobs      an article version's text and metadata, sentence spans, terms and
                        named entities,
                        as JSON cut into <= 64 KiB VARCHAR parts
    <prefix>_passages   dense vectors (FLAT, inner product) with article id and offsets
    <prefix>_sentences  late-chunked vectors, offsets, and the sentence's stemmed keyword
                        tokens in an analyzed VARCHAR that Milvus's BM25 function turns into
                        a sparse vector (full-text search)
    <prefix>_terms      per keyword token: how many sentences hold it (for idf, as bm25s)

Builds never change what a reader sees until they publish. Every row carries the build that
wrote it and the build that retired it; a reader pins the published build P and sees only
rows with build <= P < retired. A build writes its rows under a new number, marks the rows
it replaces as retired at that number, and publishes by updating the meta row: one atomic
row write. Rows retired two builds ago, and whatever a killed build left, are deleted at the
start of the next build (milvus_build.py).

Ids are int64 hashes of (article id, content hash, build, position): any machine can derive
them without a central counter.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from .config import EMBEDDING_DIM
from .entities import Entity
from .errors import AskbriefError, IndexMismatchError, NoIndexError, StoreError
from .records import Article, Span
from .store import FULL_HINT, PassageRow, check_manifest
from .stores import MILVUS_LITE, StoreLocation

INF = 2**62  # "retired" of a row no build has replaced
STORE_FORMAT = 1  # bump when the collections change shape
KINDS = ("meta", "articles", "blobs", "passages", "sentences", "terms")
PLACEHOLDER_DIM = 2  # Milvus wants a vector field in every collection
MAX_VARCHAR = 65_535  # bytes, Milvus's limit for one VARCHAR value
BLOB_CHARS = 16_000  # at most 4 UTF-8 bytes a character: a part always fits
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults, which the FAISS store's keyword index uses
CONNECT_TIMEOUT = 10.0  # seconds to reach a server
STALE_CHECK_SECONDS = 1.0
FETCH = 1000  # ids per get()
CACHE_ROWS = 200_000  # rows remembered per open store before the caches start over
CACHE_ARTICLES = 4096
TERM_CHARS = 1000  # a term row keeps this much of its term, to tell hash collisions apart

T = TypeVar("T")


def row_key(*parts: object) -> int:
    """A positive int64 id from its parts: stable, and the same on every machine."""
    raw = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return (int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big") >> 1) or 1


def version_key(article_id: str, content_hash: str, build: int) -> int:
    return row_key("article", article_id, content_hash, build)


def blob_key(version: int, kind: str, part: int) -> int:
    return row_key("blob", version, kind, part)


def passage_key(version: int, i: int) -> int:
    return row_key("passage", version, i)


def sentence_key(version: int, i: int) -> int:
    return row_key("sentence", version, i)


def term_key(term: str) -> int:
    return row_key("term", term)


def id_key(article_id: str) -> int:
    """What `article(id)` filters on: an int, so ids never need quoting in an expression."""
    return row_key("id", article_id)


def visible(build: int) -> str:
    return f"build <= {build} and retired > {build}"


# --------------------------------------------------------------------------- connection


@dataclass
class _Shared:
    client: Any
    users: int


_shared: dict[str, _Shared] = {}
_shared_lock = threading.Lock()
# Connections of stores that were garbage-collected unclosed. Closed later, by the next
# open or close, never inside the collector: it may run while _shared_lock is held.
_orphans: list[Connection] = []


def _close_orphans() -> None:
    while _orphans:
        try:
            conn = _orphans.pop()
        except IndexError:  # another thread took the last one
            return
        conn.close()


class Connection:
    """One MilvusClient per store per process, shared by every store and build that opens
    it (Milvus Lite lets one process at a time open a .db; its in-process server goes when
    the last user closes). Every call goes through `call`, which turns Milvus's exceptions
    into one-line askbrief errors."""

    def __init__(self, loc: StoreLocation, *, create: bool = False) -> None:
        _close_orphans()
        _quiet_logs()
        self.loc = loc
        self._key = str(loc.path.resolve()) if loc.path is not None else loc.server + loc.token
        self._closed = False
        with _shared_lock:
            shared = _shared.get(self._key)
            if shared is None:
                shared = _Shared(_open_client(loc, create), 0)
                _shared[self._key] = shared
            shared.users += 1
            self.client = shared.client

    def name(self, kind: str) -> str:
        return f"{self.loc.prefix}_{kind}"

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except AskbriefError:
            raise
        except Exception as err:  # pymilvus, grpc and Milvus Lite each raise their own
            raise _store_error(self.loc, err) from None

    def close(self) -> None:
        _close_orphans()
        with _shared_lock:
            if self._closed:
                return
            self._closed = True
            shared = _shared.get(self._key)
            if shared is None:
                return
            shared.users -= 1
            if shared.users > 0:
                return
            del _shared[self._key]
        with contextlib.suppress(Exception):
            shared.client.close()
        if self.loc.kind == MILVUS_LITE:
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(str(self.loc.path))

    # helpers every caller needs -------------------------------------------------------

    def has(self, kind: str) -> bool:
        return bool(self.call(self.client.has_collection, self.name(kind)))

    def load(self) -> None:
        """Collections must be loaded before reads (Milvus Lite releases them on restart)."""
        for kind in KINDS:
            if not self.has(kind):
                raise IndexMismatchError(
                    f"{self.loc.uri}: collection {self.name(kind)} is missing; {FULL_HINT}"
                )
            state = self.call(self.client.get_load_state, self.name(kind))
            if "NotLoad" in str(state.get("state")):
                self.load_one(kind)

    def load_one(self, kind: str) -> None:
        """Load a collection. Milvus Lite writes its index files (a cache of the vectors)
        in a background thread after a flush, not atomically: a process killed meanwhile
        leaves a truncated one that every later load trips over. Those files are removed
        and the load tried once more; Milvus Lite rebuilds them from the data."""
        name = self.name(kind)
        try:
            self.client.load_collection(name)
        except Exception as err:
            if self.loc.kind != MILVUS_LITE or not _drop_index_files(self.loc, name):
                raise _store_error(self.loc, err) from None
            self.call(self.client.load_collection, name)

    def get(self, kind: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for lo in range(0, len(ids), FETCH):
            chunk = ids[lo : lo + FETCH]
            out.extend(self.call(self.client.get, self.name(kind), ids=chunk, output_fields=fields))
        return out

    def rows(self, kind: str, expr: str, fields: list[str]) -> Iterator[dict[str, Any]]:
        """Every row matching `expr`, in batches (a plain query stops at 16,384)."""
        it = self.call(
            self.client.query_iterator,
            self.name(kind),
            batch_size=FETCH * 4,
            filter=expr,
            output_fields=fields,
        )
        try:
            while batch := self.call(it.next):
                yield from batch
        finally:
            with contextlib.suppress(Exception):
                it.close()

    def meta(self) -> dict[str, Any] | None:
        """The meta row's JSON, or None if there is none (never built)."""
        name = self.name("meta")
        if not self.has("meta"):
            return None
        try:
            found = self.client.get(name, ids=[0], output_fields=["body"])
        except Exception:  # not loaded yet (Milvus Lite after a restart): load, ask again
            self.load_one("meta")
            found = self.call(self.client.get, name, ids=[0], output_fields=["body"])
        if not found:
            return None
        try:
            body = json.loads(found[0]["body"])
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise IndexMismatchError(
                f"{self.loc.uri}: the store's meta row is damaged; {FULL_HINT}"
            )
        return body


def _quiet_logs() -> None:
    """pymilvus and Milvus Lite log RPC errors with tracebacks on stderr; askbrief reports
    them itself, in one line. After the import: pymilvus sets its log levels on import."""
    import pymilvus  # noqa: F401

    for name in ("pymilvus", "milvus_lite"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _open_client(loc: StoreLocation, create: bool) -> Any:
    from pymilvus import MilvusClient

    if loc.kind == MILVUS_LITE:
        path = loc.path
        assert path is not None
        if path.exists() and not path.is_dir():
            raise IndexMismatchError(
                f"{loc.uri} is a file, not a Milvus Lite store (a folder Milvus Lite creates); "
                "remove it or choose another .db path"
            )
        if not path.exists():
            if not create:
                raise NoIndexError(
                    f"no index at {loc.uri}: run `askbrief index --store {loc.uri}` first"
                )
            path.parent.mkdir(parents=True, exist_ok=True)
        _check_not_locked(loc)
        try:
            return MilvusClient(uri=str(path), timeout=CONNECT_TIMEOUT)
        except Exception as err:
            raise _store_error(loc, err) from None
    try:
        return MilvusClient(uri=loc.server, token=loc.token, timeout=CONNECT_TIMEOUT)
    except Exception as err:
        raise StoreError(
            f"cannot reach the Milvus server at {loc.server} ({_reason(err)}); is it running, "
            "and is --store / ASKBRIEF_STORE right?"
        ) from None


def _check_not_locked(loc: StoreLocation) -> None:
    """Milvus Lite holds an flock on <db>/LOCK while a process has it open; say so plainly
    instead of letting its start-up fail with a traceback."""
    assert loc.path is not None
    lock = loc.path / "LOCK"
    if not lock.exists():
        return
    with open(lock, "a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise StoreError(
                f"{loc.uri} is open in another process (Milvus Lite serves one process at a "
                "time): stop it, or serve the index from a Milvus server"
            ) from None
        fcntl.flock(fh, fcntl.LOCK_UN)


def _drop_index_files(loc: StoreLocation, collection: str) -> bool:
    """Remove a Milvus Lite collection's index files; True if there were any."""
    assert loc.path is not None
    found = list((loc.path / "collections" / collection).glob("partitions/*/indexes/*"))
    for path in found:
        path.unlink(missing_ok=True)
    return bool(found)


def _reason(err: Exception) -> str:
    message = getattr(err, "message", None) or str(err) or type(err).__name__
    return " ".join(str(message).split())


def _store_error(loc: StoreLocation, err: Exception) -> AskbriefError:
    reason = _reason(err)
    if loc.kind == MILVUS_LITE and ("lock" in reason.lower() or "Open local milvus" in reason):
        return StoreError(
            f"{loc.uri} cannot be opened ({reason}); another process may have it open"
        )
    if any(s in reason for s in ("connect", "Connect", "UNAVAILABLE", "unavailable", "timed out")):
        return StoreError(f"lost the Milvus server at {loc.server or loc.uri} ({reason})")
    return IndexMismatchError(
        f"{loc.uri}: the store is damaged or not askbrief's ({reason}); {FULL_HINT}"
    )


# --------------------------------------------------------------------------- reading


class MilvusStore:
    """The published state of a Milvus store, for questions. Thread-safe: pymilvus clients
    are, and the caches only ever hold rows of the pinned build."""

    def __init__(self, loc: StoreLocation) -> None:
        self.loc = loc
        self.conn = Connection(loc)
        # A store the query side drops for a newer build (or never closes) lets go of its
        # connection too, at the next open: Milvus Lite frees the .db with the last one.
        weakref.finalize(self, _orphans.append, self.conn)
        try:
            meta = self.conn.meta()
            if meta is None or not meta.get("published"):
                raise NoIndexError(
                    f"no index at {loc.uri}: run `askbrief index --store {loc.uri}` first"
                )
            check_manifest(meta, loc.uri)  # type: ignore[arg-type]
            if meta.get("store_format") != STORE_FORMAT:
                raise IndexMismatchError(
                    f"{loc.uri}: store format {meta.get('store_format')} is not the current "
                    f"format {STORE_FORMAT}; {FULL_HINT}"
                )
            self.conn.load()
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
        self._sentence_rows: dict[int, tuple[str, int, int, int]] = {}
        self._version: dict[str, int] = {}  # article id -> its version at this build
        self._infos: dict[int, dict[str, Any]] = {}  # version -> its articles row
        self._blobs: dict[tuple[int, str], Any] = {}
        self._df: dict[str, int] = {}

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

    def sentence_rows(self, sids: list[int]) -> dict[int, tuple[str, int, int, int]]:
        """sid -> (article_id, idx, start, end); the articles' texts and spans are fetched
        alongside, since the caller reads them next."""
        missing = [s for s in sids if s not in self._sentence_rows]
        if missing:
            for row in self._visible_rows("sentences", missing, SENTENCE_FIELDS):
                self._remember_sentence(row["id"], row)
        found = {s: self._sentence_rows[s] for s in sids if s in self._sentence_rows}
        self._prefetch({row[0] for row in found.values()}, ("article", "spans", "entities"))
        return found

    def passages(self, pids: list[int]) -> dict[int, PassageRow]:
        missing = [p for p in pids if p not in self._passage_rows]
        if missing:
            for row in self._visible_rows("passages", missing, PASSAGE_FIELDS):
                self._remember_passage(row["id"], row)
        found = {p: self._passage_rows[p] for p in pids if p in self._passage_rows}
        self._prefetch({row.article_id for row in found.values()}, ("spans",))
        return found

    def sentences(self, article_id: str, first: int, last: int) -> list[tuple[int, int, Span]]:
        """(sid, idx, span) of sentences first..last of an article."""
        version = self._versions({article_id}).get(article_id)
        if version is None:
            return []
        spans = self._blob_values([version], "spans").get(version) or []
        lo, hi = max(0, first), min(len(spans) - 1, last)
        return [(spans[i][0], i, Span(spans[i][1], spans[i][2])) for i in range(lo, hi + 1)]

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

    def article_ids(self) -> list[str]:
        rows = self.conn.rows("articles", self._filter, ["article_id"])
        return sorted({r["article_id"] for r in rows})

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
        self._sentence_rows[sid] = (e["article_id"], e["idx"], e["start"], e["end"])
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
                parts = [
                    bodies.get(blob_key(v, kind, i)) for i in range(infos[v]["parts"].get(kind, 0))
                ]
                if any(p is None for p in parts):
                    raise IndexMismatchError(
                        f"{self.loc.uri}: parts of an article are missing; {FULL_HINT}"
                    )
                self._blobs[(v, kind)] = decode_blob(kind, "".join(parts))  # type: ignore[arg-type]
        return {v: self._blobs.get((v, kind)) for v in versions}

    def _article_infos(self, versions: list[int]) -> dict[int, dict[str, Any]]:
        missing = [v for v in versions if v not in self._infos]
        if missing:
            if len(self._infos) > CACHE_ARTICLES * 4:
                self._infos = {}
            for row in self._visible_rows("articles", missing, ["info"]):
                self._infos[row["id"]] = json.loads(row["info"])
        return {v: self._infos[v] for v in versions if v in self._infos}


PASSAGE_FIELDS = ["article_id", "version", "first", "last", "start", "end"]
SENTENCE_FIELDS = ["article_id", "version", "idx", "start", "end"]


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


# --------------------------------------------------------------------------- blobs


def encode_blob(kind: str, value: Any) -> list[str]:
    """A value as VARCHAR parts that each fit Milvus's 64 KiB limit."""
    text = " ".join(sorted(value)) if kind == "terms" else json.dumps(value, ensure_ascii=False)
    return [text[i : i + BLOB_CHARS] for i in range(0, len(text), BLOB_CHARS)] or [""]


def decode_blob(kind: str, text: str) -> Any:
    if kind == "terms":
        return frozenset(text.split())
    return json.loads(text)
