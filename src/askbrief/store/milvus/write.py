"""Build or update a Milvus store incrementally, without readers ever seeing half a build.

A build gets a number B above every build before it (published or started), then:

1. cleans up: rows a killed build wrote (build > P, the published number) go, rows it
   retired come back, rows retired before P go (P's predecessor's readers are done);
2. reads the published articles' content hashes and plans like the FAISS store does;
3. marks the rows of removed and changed articles retired at B (readers at P still see
   them: P < B) and inserts the new versions' rows with build B (readers at P do not);
4. updates the keyword statistics (each term row keeps its previous count for readers
   still at P), flushes, and publishes by writing B into the meta row.

This module runs those steps; versions.py does 1, 3's retiring and 4's statistics, rows.py
3's new rows, through one build's session.py.

Milvus Lite: one build at a time is a file lock beside the .db (`MilvusWriter.lock`). A
server has no such lock: a build notes B in the meta row when it starts and checks it
before each write round and before publishing, so of two overlapping builds the later one
wins and the earlier stops with an error; the winner removes what the loser wrote before it
publishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from askbrief.errors import IndexMismatchError
from askbrief.ingest.prepare import BuildJob, newest_article, pause_point, plan_changes
from askbrief.location import MILVUS, StoreLocation
from askbrief.records import Article, BuildReport
from askbrief.store.lockfile import hold
from askbrief.store.manifest import FULL_HINT, manifest_fields, reuse_problem
from askbrief.store.milvus.connection import Connection
from askbrief.store.milvus.history import HistoryWriter, restamp
from askbrief.store.milvus.rows import add_articles
from askbrief.store.milvus.schema import (
    BM25_B,
    BM25_K1,
    HISTORY,
    KINDS,
    MAX_VARCHAR,
    STORE_FORMAT,
)
from askbrief.store.milvus.session import BuildSession, create_collection, write_meta
from askbrief.store.milvus.versions import clean_up, published_articles, retire, update_terms

LOCK = ".lock"  # Milvus Lite: <name>.db.lock beside the .db


class MilvusWriter:
    """Builds into the Milvus store `location` names, Lite or server (build.py asks it)."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location

    @contextmanager
    def lock(self, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """One build at a time: Milvus Lite, a lock file beside the .db. A server has no
        file to lock: the build itself checks that no other started meanwhile (`guard`)."""
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
        build = max(published, int(meta.get("started") or 0)) + 1
        write_meta(self.conn, {**meta, "started": build})
        s = BuildSession(self.conn, build)
        self.conn.load()
        clean_up(s, published)
        history = HistoryWriter(s, meta, published, full)  # article versions (history.py)
        old = published_articles(s, published)
        articles, warnings = _fit_ids(self.job.articles, self.job.warnings)
        old_hashes = {} if full else {a: row["hash"] for a, row in old.items()}
        plan = plan_changes(articles, warnings, old_hashes, self.job.settings)
        retiring = list(old) if full else plan.removed + [a.id for a in plan.changed]
        s.guard()
        kept = history.record(old, plan, self.job)
        gone = retire(s, [old[a] for a in retiring])
        added = add_articles(s, self.job, plan, kept.saved)
        update_terms(s, gone.terms, added.terms)
        totals = {
            "articles": int(meta.get("articles") or 0) - len(retiring) + added.articles,
            "passages": int(meta.get("passages") or 0) - gone.passages + added.passages,
            "sentences": int(meta.get("sentences") or 0) - gone.sentences + added.sentences,
            "tokens": int(meta.get("tokens") or 0) - gone.tokens + added.tokens,
        }
        for kind in (*KINDS, HISTORY):
            self.conn.call(self.conn.client.flush, self.conn.name(kind))
        pause_point("publishing")
        s.guard()
        if self.conn.loc.kind == MILVUS:
            clean_up(s, published, below=build)  # what an overlapping build wrote
        report = plan.report(added.passages, totals["articles"], totals["passages"])
        report = replace(
            report,
            warnings=report.warnings + tuple(kept.warnings),
            pruned=kept.pruned if self.job.prune else None,
        )
        published_meta = {
            "published": build,
            "started": build,
            # what this build changed, for the UI's status line ("updated …: 3 new articles")
            "last_build": {
                "added": report.added,
                "updated": report.updated,
                "removed": report.removed,
            },
        }
        fields = {**self._manifest(), **totals, **history.meta(), **published_meta}
        write_meta(self.conn, fields)
        pause_point("published")
        return report

    def _prepare(self, full: bool) -> dict[str, Any]:
        """The meta row of a store this build can update; collections made if missing. A
        published store of another format or model, or with other chunk settings, needs
        --full, which then drops its collections and makes them again (but for the
        article versions, which it keeps: history.restamp)."""
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
        restamp(self.conn)
        create_collections(self.conn)
        meta = {**self._manifest(), "published": 0, "started": 0}
        write_meta(self.conn, meta)
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


def create_collections(conn: Connection) -> None:
    """The collections a store needs (schema.py describes them), those it lacks: all but
    the versions collection, which outlives a rebuild (history.py), are dropped first."""
    for kind in (*KINDS, HISTORY):
        if not conn.has(kind):
            create_collection(conn, kind)
