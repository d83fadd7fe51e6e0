"""Build or update a Milvus store incrementally, without readers ever seeing half a build.

A build gets a number B above every build before it (published or started), then:

1. cleans up: rows a killed build wrote (build > P, the published number) go, rows it
   retired come back, rows retired before P go (P's predecessor's readers are done);
2. reads the published articles' content hashes and plans like the FAISS store does;
3. marks the rows of removed and changed articles retired at B (readers at P still see
   them: P < B) and inserts the new versions' rows with build B (readers at P do not);
4. updates the keyword statistics (each term row keeps its previous count for readers
   still at P), flushes, and publishes by writing B into the meta row.

Milvus Lite: one build at a time is a file lock beside the .db (`MilvusWriter.lock`). A
server has no such lock: a build notes B in the meta row when it starts and checks it before each
write round and before publishing, so of two overlapping builds the later one wins and the
earlier stops with an error; the winner removes what the loser wrote before it publishes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from askbrief.errors import AskbriefError, IndexMismatchError
from askbrief.ingest.entities import Entity
from askbrief.ingest.prepare import (
    BuildJob,
    Plan,
    newest_article,
    passages_to_embed,
    pause_point,
    plan_changes,
    tag_entities,
    vectors_for,
)
from askbrief.location import MILVUS, StoreLocation
from askbrief.records import Article, BuildReport
from askbrief.store.lockfile import hold
from askbrief.store.manifest import FULL_HINT, manifest_fields, reuse_problem
from askbrief.store.milvus.connection import Connection
from askbrief.store.milvus.schema import (
    BM25_B,
    BM25_K1,
    INF,
    KINDS,
    MAX_VARCHAR,
    PLACEHOLDER_DIM,
    STORE_FORMAT,
    TERM_CHARS,
    blob_key,
    collection_schemas,
    encode_blob,
    id_key,
    passage_key,
    sentence_key,
    term_key,
    version_key,
    visible,
)
from askbrief.text import keyword_tokens

VERSIONED = ("articles", "blobs", "passages", "sentences")  # rows with build and retired
ROUND_PASSAGES = 2048  # embedded and written per round: bounded memory, steady progress
WRITE_ROWS = 500
WRITE_BYTES = 4 << 20
PLACEHOLDER = [0.0] * PLACEHOLDER_DIM
LOCK = ".lock"  # Milvus Lite: <name>.db.lock beside the .db


class MilvusWriter:
    """Builds into the Milvus store `location` names, Lite or server (build.py asks it)."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location

    @contextmanager
    def lock(self, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """One build at a time: Milvus Lite, a lock file beside the .db. A server has no
        file to lock: the build itself checks that no other started meanwhile (_guard)."""
        path = self.location.path
        if self.location.kind == MILVUS or path is None:
            yield
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with hold(path.with_name(path.name + LOCK), self.location.shown, on_wait):
            yield

    def build(self, job: BuildJob, full: bool) -> BuildReport:
        """Update the store (or rebuild it, if `full`) and publish; readers see nothing of
        it until then. The caller holds `lock`."""
        conn = Connection(self.location, create=True)
        try:
            return _Builder(conn, job).run(full)
        finally:
            conn.close()


class _Builder:
    def __init__(self, conn: Connection, job: BuildJob) -> None:
        self.conn = conn
        self.job = job
        self.uri = conn.loc.shown  # messages never show a password

    def run(self, full: bool) -> BuildReport:
        meta = self._prepare(full)
        published = int(meta.get("published") or 0)
        self.build = max(published, int(meta.get("started") or 0)) + 1
        self._write_meta({**meta, "started": self.build})
        self.conn.load()
        self._clean_up(published)
        old = self._published_articles(published)
        articles, warnings = _fit_ids(self.job.articles, self.job.warnings)
        old_hashes = {} if full else {a: row["hash"] for a, row in old.items()}
        plan = plan_changes(articles, warnings, old_hashes, self.job.settings)
        retiring = list(old) if full else plan.removed + [a.id for a in plan.changed]
        self._guard()
        gone = self._retire([old[a] for a in retiring])
        added = self._add(plan)
        self._update_terms(gone.terms, added.terms)
        totals = {
            "articles": int(meta.get("articles") or 0) - len(retiring) + added.articles,
            "passages": int(meta.get("passages") or 0) - gone.passages + added.passages,
            "sentences": int(meta.get("sentences") or 0) - gone.sentences + added.sentences,
            "tokens": int(meta.get("tokens") or 0) - gone.tokens + added.tokens,
        }
        for kind in KINDS:
            self.conn.call(self.conn.client.flush, self.conn.name(kind))
        pause_point("publishing")
        self._guard()
        if self.conn.loc.kind == MILVUS:
            self._clean_up(published, below=self.build)  # what an overlapping build wrote
        report = plan.report(added.passages, totals["articles"], totals["passages"])
        published_meta = {
            "published": self.build,
            "started": self.build,
            # what this build changed, for the UI's status line ("updated …: 3 new articles")
            "last_build": {
                "added": report.added,
                "updated": report.updated,
                "removed": report.removed,
            },
        }
        self._write_meta({**self._manifest(), **totals, **published_meta})
        pause_point("published")
        return report

    # start ----------------------------------------------------------------------------

    def _prepare(self, full: bool) -> dict[str, Any]:
        """The meta row of a store this build can update; collections made if missing. A
        published store of another format or model, or with other chunk settings, needs
        --full, which then drops its collections and makes them again."""
        try:
            meta = self.conn.meta()
        except IndexMismatchError:
            if not full:
                raise
            meta = {"published": 1}  # damaged: treated as unusable below
        complete = all(self.conn.has(kind) for kind in KINDS)
        if meta is not None and meta.get("published"):
            problem = self._unusable(meta, complete)
            if problem is None:
                return meta
            if not full:
                raise IndexMismatchError(f"{self.uri}: {problem}; {FULL_HINT}")
        elif meta is not None and complete:
            return meta  # never published: the clean-up below removes what was written
        for kind in KINDS:
            if self.conn.has(kind):
                self.conn.call(self.conn.client.drop_collection, self.conn.name(kind))
        create_collections(self.conn)
        meta = {**self._manifest(), "published": 0, "started": 0}
        self._write_meta(meta)
        return meta

    def _unusable(self, meta: dict[str, Any], complete: bool) -> str | None:
        if not complete:
            return "the store is incomplete (collections missing)"
        if meta.get("store_format") != STORE_FORMAT:
            return f"store format {meta.get('store_format')} is not the current {STORE_FORMAT}"
        return reuse_problem(meta, self.job.settings)

    def _manifest(self) -> dict[str, Any]:
        return {
            **manifest_fields(self.job.settings),
            "store_format": STORE_FORMAT,
            "store": "milvus",
            "bm25": {"k1": BM25_K1, "b": BM25_B},
            "newest_article": newest_article(self.job.articles),
        }

    def _write_meta(self, meta: dict[str, Any]) -> None:
        """One row, replaced whole: publishing is this single write."""
        row = {"id": 0, "body": json.dumps(meta), "vector": PLACEHOLDER}
        self.conn.call(self.conn.client.upsert, self.conn.name("meta"), [row])

    def _guard(self) -> None:
        """Stop if another build has started on this store since this one did."""
        meta = self.conn.meta() or {}
        if meta.get("started") != self.build:
            raise AskbriefError(
                f"another askbrief index started on {self.uri} while this one ran; it "
                "carries on and this one stops (run one build at a time)"
            )

    def _clean_up(self, published: int, below: int = INF) -> None:
        """Undo builds that did not publish (numbers above `published`, under `below`) and
        drop rows no reader can see any more."""
        for kind in VERSIONED:
            name = self.conn.name(kind)
            self.conn.call(
                self.conn.client.delete, name, filter=f"build > {published} and build < {below}"
            )
            undo = f"retired > {published} and retired < {min(below, INF)}"
            ids = [r["id"] for r in self.conn.rows(kind, undo, ["id"])]
            self._set(kind, [{"id": i, "retired": INF} for i in ids])
            if below == INF:
                self.conn.call(self.conn.client.delete, name, filter=f"retired < {published}")
        expr = f"build > {published} and build < {below}"
        rows = list(self.conn.rows("terms", expr, ["prev_df"]))
        self._set("terms", [{"id": r["id"], "df": r["prev_df"], "build": published} for r in rows])

    def _set(self, kind: str, rows: list[dict[str, Any]]) -> None:
        """Change some fields of existing rows (Milvus 2.6 merge upsert)."""
        for lo in range(0, len(rows), WRITE_ROWS * 4):
            self.conn.call(
                self.conn.client.upsert,
                self.conn.name(kind),
                rows[lo : lo + WRITE_ROWS * 4],
                partial_update=True,
            )

    def _published_articles(self, published: int) -> dict[str, dict[str, Any]]:
        rows = self.conn.rows("articles", visible(published), ["article_id", "hash", "info"])
        return {r["article_id"]: {**r, "info": json.loads(r["info"])} for r in rows}

    # changes --------------------------------------------------------------------------

    def _retire(self, rows: list[dict[str, Any]]) -> _Counts:
        """Mark these article versions' rows retired at this build; count what goes."""
        gone = _Counts()
        b = self.build
        for lo in range(0, len(rows), 200):
            part = rows[lo : lo + 200]
            ids: dict[str, list[int]] = {kind: [] for kind in VERSIONED}
            for row in part:
                v, info = row["id"], row["info"]
                ids["articles"].append(v)
                ids["blobs"] += [
                    blob_key(v, kind, i) for kind, n in info["parts"].items() for i in range(n)
                ]
                ids["passages"] += [passage_key(v, i) for i in range(info["passages"])]
                ids["sentences"] += [sentence_key(v, i) for i in range(info["sentences"])]
                gone.passages += info["passages"]
                gone.sentences += info["sentences"]
            for r in self.conn.get("sentences", ids["sentences"], ["kw"]):
                tokens = r["kw"].split()
                gone.tokens += len(tokens)
                gone.terms.update(set(tokens))
            for kind, keys in ids.items():
                self._set(kind, [{"id": i, "retired": b} for i in keys])
        return gone

    def _add(self, plan: Plan) -> _Counts:
        """Insert the new versions: rows first, then their vectors, a round at a time."""
        added = _Counts()
        todo = plan.to_embed()
        totals = (len(todo), sum(len(chunks.passages) for _, chunks in todo))
        for batch in _rounds(todo):
            self._add_round(plan, batch, added, totals)
        return added

    def _add_round(
        self,
        plan: Plan,
        batch: list[tuple[Article, Any]],
        added: _Counts,
        totals: tuple[int, int],
    ) -> None:
        """One round: tag, write rows, embed, write vectors. `totals` (articles, passages)
        of the whole build, for progress."""
        self._guard()
        rows = _Rows()
        to_embed = []
        texts = [article.text for article, _ in batch]
        found = tag_entities(texts, self.job, done=added.articles, total=totals[0])
        for (article, chunks), entities in zip(batch, found, strict=True):
            version = version_key(article.id, plan.hashes[article.id], self.build)
            sids = [sentence_key(version, i) for i in range(len(chunks.sentences))]
            pids = [passage_key(version, i) for i in range(len(chunks.passages))]
            texts = [article.text[s.start : s.end] for s in chunks.sentences]
            tokens = keyword_tokens(texts)
            rows.article(
                self, article, plan.hashes[article.id], version, chunks, sids, tokens, entities
            )
            rows.sentences += [
                self._row(
                    version,
                    article.id,
                    sid,
                    idx=i,
                    start=s.start,
                    end=s.end,
                    kw=_clip(" ".join(toks)),
                )
                for i, (sid, s, toks) in enumerate(zip(sids, chunks.sentences, tokens, strict=True))
            ]
            rows.passages += [
                self._row(
                    version, article.id, pid, first=first, last=last, start=sp.start, end=sp.end
                )
                for pid, (first, last, sp) in zip(pids, chunks.passages, strict=True)
            ]
            to_embed += passages_to_embed(article, chunks, sids, pids)
            added.articles += 1
            added.passages += len(pids)
            added.sentences += len(sids)
            added.tokens += sum(len(t) for t in tokens)
            for toks in tokens:
                added.terms.update(set(toks))
        self._insert("articles", rows.articles)
        self._insert("blobs", rows.blobs)
        done = added.passages - len(to_embed)
        vectors = vectors_for(to_embed, self.job, done=done, total=totals[1])
        by_pid = dict(zip(vectors.pids.tolist(), vectors.passages, strict=True))
        by_sid = dict(zip(vectors.sids.tolist(), vectors.sentences, strict=True))
        for row in rows.passages:
            row["vector"] = by_pid[row["id"]]
        for row in rows.sentences:
            row["vector"] = by_sid[row["id"]]
        self._insert("passages", rows.passages)
        pause_point("writing")
        self._insert("sentences", rows.sentences)

    def _row(self, version: int, article_id: str, key: int, **fields: Any) -> dict[str, Any]:
        return {
            "id": key,
            "version": version,
            "article_id": article_id,
            "build": self.build,
            "retired": INF,
            **fields,
        }

    def _insert(self, kind: str, rows: list[dict[str, Any]]) -> None:
        for part in _batches(rows):
            self.conn.call(self.conn.client.insert, self.conn.name(kind), part)

    def _update_terms(self, gone: Counter[str], added: Counter[str]) -> None:
        """Sentence counts per term: the new count in df, the published one in prev_df."""
        delta = Counter(added)
        delta.subtract(gone)
        touched = [t for t, d in delta.items() if d]
        for lo in range(0, len(touched), 4000):
            part = touched[lo : lo + 4000]
            keys = {term_key(t): t for t in part}
            rows = self.conn.get("terms", list(keys), ["term", "df"])
            now = {
                keys[r["id"]]: int(r["df"]) for r in rows if r["term"] == keys[r["id"]][:TERM_CHARS]
            }
            out = [
                {
                    "id": term_key(t),
                    "term": t[:TERM_CHARS],
                    "df": max(0, now.get(t, 0) + delta[t]),
                    "prev_df": now.get(t, 0),
                    "build": self.build,
                    "vector": PLACEHOLDER,
                }
                for t in part
            ]
            for chunk in _batches(out):
                self.conn.call(self.conn.client.upsert, self.conn.name("terms"), chunk)


class _Counts:
    def __init__(self) -> None:
        self.articles = self.passages = self.sentences = self.tokens = 0
        self.terms: Counter[str] = Counter()  # sentences holding each term


class _Rows:
    """Rows of one round, collected before anything is written."""

    def __init__(self) -> None:
        self.articles: list[dict[str, Any]] = []
        self.blobs: list[dict[str, Any]] = []
        self.passages: list[dict[str, Any]] = []
        self.sentences: list[dict[str, Any]] = []

    def article(
        self,
        b: _Builder,
        article: Article,
        content_hash: str,
        version: int,
        chunks: Any,
        sids: list[int],
        tokens: list[list[str]],
        entities: list[Entity],
    ) -> None:
        record = {
            "title": article.title,
            "text": article.text,
            "source_path": article.source_path,
            "format": article.format,
            "source": article.source,
            "url": article.url,
            "published": article.published,
        }
        # who uploaded it and when, only if it was uploaded: a store of articles without
        # provenance stays as stores written before provenance existed
        record |= {
            key: value
            for key, value in (("added_by", article.added_by), ("added_at", article.added_at))
            if value is not None
        }
        spans = [[sid, s.start, s.end] for sid, s in zip(sids, chunks.sentences, strict=True)]
        terms = {t for toks in tokens for t in toks}
        parts = {}
        for kind, value in (
            ("article", record),
            ("spans", spans),
            ("terms", terms),
            ("entities", entities),
        ):
            pieces = encode_blob(kind, value)
            parts[kind] = len(pieces)
            self.blobs += [
                {
                    "id": blob_key(version, kind, i),
                    "version": version,
                    "build": b.build,
                    "retired": INF,
                    "body": body,
                    "vector": PLACEHOLDER,
                }
                for i, body in enumerate(pieces)
            ]
        info = {
            "parts": parts,
            "passages": len(chunks.passages),
            "sentences": len(chunks.sentences),
        }
        self.articles.append(
            {
                "id": version,
                "article_id": article.id,
                "id_hash": id_key(article.id),
                "hash": content_hash,
                "build": b.build,
                "retired": INF,
                "info": json.dumps(info),
                "vector": PLACEHOLDER,
            }
        )


def _fit_ids(articles: list[Article], warnings: list[str]) -> tuple[list[Article], list[str]]:
    """Article ids longer than a Milvus VARCHAR holds cannot be stored: skipped, warned."""
    fit = [a for a in articles if len(a.id.encode("utf-8")) <= MAX_VARCHAR]
    if len(fit) == len(articles):
        return articles, warnings
    skipped = [
        f"{a.source_path}: id longer than {MAX_VARCHAR} bytes; skipped"
        for a in articles
        if len(a.id.encode("utf-8")) > MAX_VARCHAR
    ]
    return fit, [*warnings, *skipped]


def _rounds(todo: list[tuple[Article, Any]]) -> Iterator[list[tuple[Article, Any]]]:
    batch: list[tuple[Article, Any]] = []
    size = 0
    for item in todo:
        batch.append(item)
        size += len(item[1].passages)
        if size >= ROUND_PASSAGES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Rows in groups under a row count and a rough byte size (gRPC messages are capped)."""
    batch: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        n = len(row.get("body", "")) * 4 + len(row.get("kw", "")) + 2048
        if batch and (len(batch) >= WRITE_ROWS or size + n > WRITE_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += n
    if batch:
        yield batch


def _clip(text: str) -> str:
    """At most MAX_VARCHAR bytes of UTF-8, cut at a space."""
    raw = text.encode("utf-8")
    if len(raw) <= MAX_VARCHAR:
        return text
    cut = raw[:MAX_VARCHAR].decode("utf-8", errors="ignore")
    return cut[: cut.rfind(" ")] if " " in cut else ""


def create_collections(conn: Connection) -> None:
    """The six collections (schema.py describes them), Strong consistency: a reader
    on another server sees a build's rows as soon as it sees the meta row publishing them."""
    for kind, (schema, index) in collection_schemas(conn.client).items():
        conn.call(
            conn.client.create_collection,
            conn.name(kind),
            schema=schema,
            consistency_level="Strong",
        )
        # sync=False: an empty collection's indexes need no waiting (pymilvus would poll
        # each one for half a second)
        conn.call(conn.client.create_index, conn.name(kind), index, sync=False)
        conn.call(conn.client.load_collection, conn.name(kind))
