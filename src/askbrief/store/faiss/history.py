"""The FAISS store's article versions (store/history.py says what is kept): each generation
has a version store, versions.sqlite, holding the earlier texts of its articles, and each
article row its `saved_at`. A build copies the previous generation's version store (an
incremental build and a full one alike, so history survives `--full`) and adds to it.

Generations written before versions were kept have neither: their articles have one version
each, and the next build starts the version store. The manifest records how many versions
the store holds (history.KEPT_COUNT): a reader checks it on open, as it checks the rest.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from askbrief.errors import IndexMismatchError
from askbrief.records import Article, ArticleVersion
from askbrief.store.faiss.files import META_DB, read_only_uri
from askbrief.store.history import (
    KEPT_COUNT,
    PROVENANCE_FIELDS,
    UNVERSIONED_AT,
    HistoryPlan,
    article_record,
    now,
    plan_history,
    prior_saved_at,
    unversioned_at,
)
from askbrief.store.manifest import FULL_HINT, read_manifest, verify_listed
from askbrief.text import counted

if TYPE_CHECKING:  # a reader imports this module: it does not load the build's steps
    from askbrief.ingest.prepare import BuildJob, Plan

VERSIONS_DB = "versions.sqlite"
SAVED_COLUMN = "saved_at"  # articles: when a build first saw the article's current text
# A kept version: the article as it was. rowid orders versions saved in the same second.
SCHEMA = """
CREATE TABLE versions (
  article_id TEXT NOT NULL, version TEXT NOT NULL, saved_at TEXT NOT NULL,
  chars INTEGER NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL, source_path TEXT NOT NULL,
  format TEXT NOT NULL, source TEXT, url TEXT, published TEXT, added_by TEXT, added_at TEXT,
  PRIMARY KEY (article_id, version)
);
"""
ARTICLE_COLUMNS = "title, text, source_path, format, source, url, published"


# ------------------------------------------------------------------------------ reading


class KeptVersions:
    """A generation's version store, read-only; empty for a generation written before
    versions were kept. Opening it checks it: damage is a one-line error, as for the rest."""

    def __init__(self, gen: Path, root: Path, manifest: dict[str, Any]) -> None:
        self.root = root
        self.db: sqlite3.Connection | None = None
        path = gen / VERSIONS_DB
        expected = manifest.get(KEPT_COUNT)
        if not path.is_file():
            if expected is not None:
                raise IndexMismatchError(
                    f"{root}: version store {VERSIONS_DB} is missing; {FULL_HINT}"
                )
            return
        try:
            db = sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=False)
        except sqlite3.DatabaseError as err:
            raise self._damaged(err) from None
        try:
            (count,) = db.execute("SELECT count(*) FROM versions").fetchone()
        except sqlite3.DatabaseError as err:
            db.close()
            raise self._damaged(err) from None
        if expected is not None and count != expected:
            db.close()
            raise self._damaged(f"{counted(count, 'version')}, the manifest says {expected}")
        self.db = db

    def _damaged(self, why: object) -> IndexMismatchError:
        return IndexMismatchError(
            f"{self.root}: version store {VERSIONS_DB} is damaged ({why}); {FULL_HINT}"
        )

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.db is None:
            return []
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as err:
            raise self._damaged(err) from None

    def close(self) -> None:
        if self.db is not None:
            self.db.close()

    def listed(self, article_id: str) -> list[ArticleVersion]:
        """The article's kept versions, oldest first."""
        rows = self._rows(
            "SELECT version, saved_at, chars, title FROM versions WHERE article_id = ?"
            " ORDER BY saved_at, rowid",
            (article_id,),
        )
        return [ArticleVersion(article_id, *row) for row in rows]

    def article(self, article_id: str, version: str) -> Article | None:
        rows = self._rows(
            f"SELECT {ARTICLE_COLUMNS}, added_by, added_at FROM versions"
            " WHERE article_id = ? AND version = ?",
            (article_id, version),
        )
        return Article(article_id, *rows[0]) if rows else None

    def article_ids(self) -> list[str]:
        """The articles with a kept version (indexed or not)."""
        return [r[0] for r in self._rows("SELECT DISTINCT article_id FROM versions")]


# ------------------------------------------------------------------------------ writing


@dataclass
class Recorded:
    """What a build did to the versions: each written article's saved_at, how many versions
    --prune deleted, the manifest's fields, and what could not be carried over."""

    saved: dict[str, str]
    pruned: int
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def record_versions(
    tmp: Path, db: sqlite3.Connection, prev: Path | None, full: bool, plan: Plan, job: BuildJob
) -> Recorded:
    """Write the new generation's version store into `tmp`: the previous generation's
    (`prev`), plus the texts this build replaces, less revived and pruned versions. `db` is
    the new generation's metadata: in an incremental build, a copy of prev's, read before
    the changed articles' rows go. A full build reads prev's own; there, a damaged previous
    generation costs its history (a warning), not the rebuild that repairs it."""
    root = tmp.parent
    warnings: list[str] = []
    prior_manifest = _prior_manifest(prev, full, warnings, root)
    vdb = _start(tmp / VERSIONS_DB, prev, prior_manifest, full, warnings, root)
    try:
        source = db if not full else _prior_db(prev, prior_manifest, warnings, root)
        try:
            prior = _prior(source, prior_manifest or {}) if source is not None else {}
            history = plan_history(
                prior,
                lambda ids: _articles(source, ids) if source is not None else {},
                lambda ids: _kept_of(vdb, ids),
                plan.articles,
                plan.hashes,
                [a for a, _ in plan.to_embed()],
                {a.id for a in job.articles},
                job.prune,
                now(),
            )
        finally:
            if source is not None and source is not db:
                source.close()
        if not full:  # the copied rows of a generation written before saved_at
            db.execute(
                f"UPDATE articles SET {SAVED_COLUMN} = ? WHERE {SAVED_COLUMN} IS NULL",
                (prior_saved_at(None, prior_manifest or {}),),
            )
        pruned = _write(vdb, history, {a.id for a in job.articles} if job.prune else None)
        (count,) = vdb.execute("SELECT count(*) FROM versions").fetchone()
        vdb.commit()
    finally:
        vdb.close()
    fields: dict[str, Any] = {KEPT_COUNT: count}
    since = unversioned_at(prior_manifest)
    if since:
        fields[UNVERSIONED_AT] = since
    return Recorded(history.saved, pruned, fields, warnings)


def _prior_manifest(
    prev: Path | None, full: bool, warnings: list[str], root: Path
) -> dict[str, Any] | None:
    if prev is None:
        return None
    try:
        return read_manifest(prev)
    except IndexMismatchError as err:
        if not full:
            raise
        warnings.append(_lost(root, err))
        return None


def _lost(root: Path, why: object) -> str:
    return (
        f"{root}: earlier article versions could not be carried over ({why}); history starts again"
    )


def _start(
    path: Path,
    prev: Path | None,
    prior_manifest: dict[str, Any] | None,
    full: bool,
    warnings: list[str],
    root: Path,
) -> sqlite3.Connection:
    """The new version store: a copy of prev's, or an empty one. A damaged one stops an
    incremental build (--full repairs it); a full build starts a new one with a warning."""
    vdb = sqlite3.connect(path)
    if prev is None or prior_manifest is None:
        vdb.executescript(SCHEMA)
        return vdb
    source = prev / VERSIONS_DB
    try:
        if not source.is_file():
            if KEPT_COUNT in prior_manifest:
                raise IndexMismatchError(f"version store {VERSIONS_DB} is missing")
            vdb.executescript(SCHEMA)  # written before versions were kept
            return vdb
        if full:  # an incremental build has checked the whole generation
            verify_listed(prev, prior_manifest, [VERSIONS_DB])
        src = sqlite3.connect(read_only_uri(source), uri=True)
        try:
            src.backup(vdb)
        finally:
            src.close()
        (count,) = vdb.execute("SELECT count(*) FROM versions").fetchone()
        if count != prior_manifest.get(KEPT_COUNT, count):
            raise IndexMismatchError(
                f"{counted(count, 'version')}, the manifest says {prior_manifest[KEPT_COUNT]}"
            )
    except (IndexMismatchError, sqlite3.DatabaseError) as err:
        vdb.close()
        if not full:
            raise IndexMismatchError(
                f"{root}: version store {VERSIONS_DB} is damaged ({err}); {FULL_HINT}"
            ) from None
        warnings.append(_lost(root, err))
        path.unlink(missing_ok=True)
        vdb = sqlite3.connect(path)
        vdb.executescript(SCHEMA)
    return vdb


def _prior_db(
    prev: Path | None, prior_manifest: dict[str, Any] | None, warnings: list[str], root: Path
) -> sqlite3.Connection | None:
    """A full build's view of the previous generation's articles, if it can be read."""
    if prev is None or prior_manifest is None:
        return None
    try:
        verify_listed(prev, prior_manifest, [META_DB])
        db = sqlite3.connect(read_only_uri(prev / META_DB), uri=True)
        db.execute("SELECT count(*) FROM articles").fetchone()
        return db
    except (IndexMismatchError, sqlite3.DatabaseError) as err:
        warnings.append(
            f"{root}: the previous index's articles could not be read ({err}); "
            "texts changed since are not kept as versions"
        )
        return None


def _columns(db: sqlite3.Connection) -> set[str]:
    return {row[1] for row in db.execute("PRAGMA table_info(articles)")}


def _prior(db: sqlite3.Connection, manifest: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """article id -> (content hash, saved_at) in the previous generation."""
    saved = SAVED_COLUMN if SAVED_COLUMN in _columns(db) else "NULL"
    rows = db.execute(f"SELECT id, hash, {saved} FROM articles").fetchall()
    return {i: (h, prior_saved_at(s, manifest)) for i, h, s in rows}


def _articles(db: sqlite3.Connection, ids: list[str]) -> dict[str, Article]:
    have = _columns(db)
    extra = "".join(f", {c}" if c in have else ", NULL" for c in PROVENANCE_FIELDS)
    out: dict[str, Article] = {}
    for lo in range(0, len(ids), 500):
        chunk = ids[lo : lo + 500]
        rows = db.execute(
            f"SELECT id, {ARTICLE_COLUMNS}{extra} FROM articles"
            f" WHERE id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        out.update((r[0], Article(*r)) for r in rows)
    return out


def _kept_of(vdb: sqlite3.Connection, ids: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for lo in range(0, len(ids), 500):
        chunk = ids[lo : lo + 500]
        rows = vdb.execute(
            "SELECT article_id, version, saved_at FROM versions"
            f" WHERE article_id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for article_id, version, saved_at in rows:
            out.setdefault(article_id, {})[version] = saved_at
    return out


def _write(vdb: sqlite3.Connection, history: HistoryPlan, folder: set[str] | None) -> int:
    """Keep, revive and (if `folder` is given) prune; how many versions were pruned."""
    for kept in history.keep:
        record = article_record(kept.article)
        vdb.execute(
            "INSERT OR IGNORE INTO versions (article_id, version, saved_at, chars, title, text,"
            " source_path, format, source, url, published, added_by, added_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kept.article.id,
                kept.version,
                kept.saved_at,
                len(kept.article.text),
                *(record.get(name) for name in ("title", "text", "source_path", "format")),
                *(record.get(name) for name in ("source", "url", "published")),
                *(record.get(name) for name in PROVENANCE_FIELDS),
            ),
        )
    vdb.executemany("DELETE FROM versions WHERE article_id = ? AND version = ?", history.revived)
    if folder is None:
        return history.pruned
    kept_ids = [r[0] for r in vdb.execute("SELECT DISTINCT article_id FROM versions")]
    gone = [(i,) for i in kept_ids if i not in folder]
    before = vdb.total_changes
    vdb.executemany("DELETE FROM versions WHERE article_id = ?", gone)
    return history.pruned + vdb.total_changes - before
