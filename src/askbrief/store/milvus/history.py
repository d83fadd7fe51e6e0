"""The Milvus store's article versions (store/history.py says what is kept): the earlier texts
of articles live in the versions collection, a row per part of a version's JSON (text and
metadata), and each article row's info holds its `saved_at`. Kept rows carry the build that
wrote them and the build that retired them, like every other row, so readers at the
published build see the versions it published, a killed build's are cleaned up, and
--prune retires rows without a reader at the published build losing them.

The collection survives every build, `--full` too (a rebuild that drops the other
collections keeps it, its rows made visible to the new builds: `restamp`). The meta row
records how many rows it holds at the published build (KEPT_ROWS): a reader checks it on
open, as it checks the rest. Stores written before versions were kept have no collection:
their articles have one version each, and the next build makes it.

Not to be confused with versions.py, which is about builds (snapshot bookkeeping).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from askbrief.errors import IndexMismatchError
from askbrief.records import Article, ArticleVersion
from askbrief.store.history import (
    KEPT_COUNT,
    UNVERSIONED_AT,
    Kept,
    article_record,
    now,
    plan_history,
    prior_saved_at,
    unversioned_at,
)
from askbrief.store.manifest import FULL_HINT
from askbrief.store.milvus.connection import Connection
from askbrief.store.milvus.schema import (
    BLOB_CHARS,
    HISTORY,
    INF,
    KEPT_FIELDS,
    blob_key,
    decode_blob,
    encode_blob,
    id_key,
    kept_key,
    visible,
)
from askbrief.store.milvus.session import PLACEHOLDER, BuildSession, create_collection
from askbrief.text import counted

if TYPE_CHECKING:  # a reader imports this module: it does not load the build's steps
    from askbrief.ingest.prepare import BuildJob, Plan

KEPT_ROWS = "kept_rows"  # meta: rows of the versions collection visible at the build
ID_BATCH = 200  # article ids per `id_hash in [...]` expression


def _mismatch(found: int, expected: object) -> str:
    return f"{counted(found, 'row')}, the meta row says {expected}"


def _by_ids(ids: list[str]) -> Iterable[str]:
    """`id_hash in [...]` expressions for these article ids, a batch each."""
    for lo in range(0, len(ids), ID_BATCH):
        hashes = ", ".join(str(id_key(i)) for i in ids[lo : lo + ID_BATCH])
        yield f"id_hash in [{hashes}]"


# ------------------------------------------------------------------------------ reading


class KeptVersions:
    """The versions collection as the build `build` published it; empty for a store written
    before versions were kept. Opening it checks it against the meta row."""

    def __init__(self, conn: Connection, meta: dict[str, Any], build: int) -> None:
        self.conn = conn
        self._filter = visible(build)
        self.present = conn.has(HISTORY)
        expected = meta.get(KEPT_ROWS)
        if not self.present:
            if expected is not None:
                raise IndexMismatchError(
                    f"{conn.loc.shown}: collection {conn.name(HISTORY)} is missing; {FULL_HINT}"
                )
            return
        if expected is not None:
            found = conn.count(HISTORY, self._filter)
            if found != expected:
                raise self._damaged(_mismatch(found, expected))

    def _damaged(self, why: str) -> IndexMismatchError:
        return IndexMismatchError(
            f"{self.conn.loc.shown}: the store's article versions are damaged ({why}); {FULL_HINT}"
        )

    def _firsts(self, article_id: str) -> list[dict[str, Any]]:
        """The article's kept versions' first parts, oldest first."""
        if not self.present:
            return []
        expr = f"id_hash == {id_key(article_id)} and part == 0 and {self._filter}"
        rows = [
            r for r in self.conn.rows(HISTORY, expr, KEPT_FIELDS) if r["article_id"] == article_id
        ]
        return sorted(rows, key=lambda r: (r["saved_at"], r["build"]))

    def listed(self, article_id: str) -> list[ArticleVersion]:
        return [
            ArticleVersion(article_id, r["text_version"], r["saved_at"], r["chars"], r["title"])
            for r in self._firsts(article_id)
        ]

    def article(self, article_id: str, version: str) -> Article | None:
        first = next((r for r in self._firsts(article_id) if r["text_version"] == version), None)
        if first is None:
            return None
        keys = [kept_key(article_id, version, first["build"], i) for i in range(first["parts"])]
        found = {r["part"]: r["body"] for r in self.conn.get(HISTORY, keys, ["part", "body"])}
        if len(found) != first["parts"]:
            raise self._damaged(f"parts of a version of {article_id} are missing")
        data = decode_blob("article", "".join(found[i] for i in range(first["parts"])))
        return Article(id=article_id, **data)

    def article_ids(self) -> list[str]:
        """The articles with a kept version (indexed or not)."""
        if not self.present:
            return []
        rows = self.conn.rows(HISTORY, f"part == 0 and {self._filter}", ["article_id"])
        return sorted({r["article_id"] for r in rows})

    def indexed(self, article_ids: list[str]) -> int:
        """How many of these articles the build holds."""
        found: set[str] = set()
        for expr in _by_ids(article_ids):
            rows = self.conn.rows("articles", f"{expr} and {self._filter}", ["article_id"])
            found.update(r["article_id"] for r in rows)
        return len(found & set(article_ids))


# ------------------------------------------------------------------------------ writing


@dataclass
class Recorded:
    """What a build did to the versions: each written article's saved_at, how many versions
    --prune retired, the meta row's fields, and what it had to drop."""

    saved: dict[str, str]
    pruned: int
    warnings: list[str] = field(default_factory=list)


class HistoryWriter:
    """One build's changes to the versions collection (write.py runs the build)."""

    def __init__(self, s: BuildSession, meta: dict[str, Any], published: int, full: bool) -> None:
        self.s, self.conn = s, s.conn
        self.published = published
        self.prior = meta if published else None  # the published build's meta row
        self._filter = visible(published)
        self._kept: dict[tuple[str, str], dict[str, Any]] = {}  # (id, version) -> first part
        self.warnings: list[str] = []
        self._check(full)

    def _check(self, full: bool) -> None:
        """Make the collection if the store has none; refuse a damaged one (an incremental
        build) or drop its broken versions (a full one, which repairs it). The caller has
        loaded the collections."""
        expected = None if self.prior is None else self.prior.get(KEPT_ROWS)
        where = self.conn.loc.shown
        if not self.conn.has(HISTORY):
            create_collection(self.conn, HISTORY)
            if expected is None:
                return  # written before versions were kept
            problem = f"collection {self.conn.name(HISTORY)} is missing"
        else:
            found = self.conn.count(HISTORY, self._filter)
            if expected is None or found == expected:
                return
            problem = _mismatch(found, expected)
        if not full:
            raise IndexMismatchError(
                f"{where}: the store's article versions are damaged ({problem}); {FULL_HINT}"
            )
        broken = self._drop_broken()
        self.warnings.append(
            f"{where}: the store's article versions were damaged ({problem}); "
            f"{counted(broken, 'broken version')} dropped, the rest kept"
        )

    def _drop_broken(self) -> int:
        """Retire the versions some of whose parts are missing; how many."""
        fields = ["article_id", "text_version", "build", "part", "parts"]
        parts: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
        for r in self.conn.rows(HISTORY, self._filter, fields):
            parts[r["article_id"], r["text_version"], r["build"]].append(r)
        broken = [rows for rows in parts.values() if len(rows) != rows[0]["parts"]]
        self.s.set(
            HISTORY, [{"id": r["id"], "retired": self.s.build} for rows in broken for r in rows]
        )
        return len(broken)

    def record(self, old: dict[str, dict[str, Any]], plan: Plan, job: BuildJob) -> Recorded:
        """Keep the texts this build replaces, revive and prune, as store/history.py plans;
        `old`: the published articles rows (versions.published_articles)."""
        prior_meta = self.prior or {}
        prior = {
            a: (row["hash"], prior_saved_at(row["info"].get("saved_at"), prior_meta))
            for a, row in old.items()
        }
        folder = {a.id for a in job.articles}
        history = plan_history(
            prior,
            lambda ids: self._old_articles(old, ids),
            self._kept_of,
            plan.articles,
            plan.hashes,
            [a for a, _ in plan.to_embed()],
            folder,
            job.prune,
            now(),
        )
        have = self._kept_of([k.article.id for k in history.keep])
        fresh = [k for k in history.keep if k.version not in have.get(k.article.id, {})]
        self.s.insert(HISTORY, [row for k in fresh for row in self._rows(k)])
        retiring = [self._kept[key] for key in history.revived if key in self._kept]
        pruned = history.pruned
        if job.prune:
            gone = [r for r in self._all_firsts() if r["article_id"] not in folder]
            retiring += gone
            pruned += len(gone)
        ids = [
            kept_key(r["article_id"], r["text_version"], r["build"], i)
            for r in retiring
            for i in range(r["parts"])
        ]
        self.s.set(HISTORY, [{"id": i, "retired": self.s.build} for i in ids])
        return Recorded(history.saved, pruned, self.warnings)

    def meta(self) -> dict[str, Any]:
        """The meta row's fields for the build, counted once it has written everything."""
        at = visible(self.s.build)
        out: dict[str, Any] = {
            KEPT_ROWS: self.conn.count(HISTORY, at),
            KEPT_COUNT: self.conn.count(HISTORY, f"part == 0 and {at}"),
        }
        since = unversioned_at(self.prior)
        if since:
            out[UNVERSIONED_AT] = since
        return out

    def _rows(self, kept: Kept) -> list[dict[str, Any]]:
        article, build = kept.article, self.s.build
        pieces = encode_blob("article", article_record(article))
        return [
            {
                "id": kept_key(article.id, kept.version, build, i),
                "article_id": article.id,
                "id_hash": id_key(article.id),
                "text_version": kept.version,
                "saved_at": kept.saved_at,
                "title": article.title[:BLOB_CHARS] if i == 0 else "",
                "chars": len(article.text),
                "part": i,
                "parts": len(pieces),
                "body": body,
                "build": build,
                "retired": INF,
                "vector": PLACEHOLDER,
            }
            for i, body in enumerate(pieces)
        ]

    def _kept_of(self, ids: list[str]) -> dict[str, dict[str, str]]:
        """Each article's kept versions at the published build, version -> saved_at."""
        out: dict[str, dict[str, str]] = {}
        wanted = set(ids)
        for expr in _by_ids(sorted(wanted)):
            rows = self.conn.rows(HISTORY, f"{expr} and part == 0 and {self._filter}", KEPT_FIELDS)
            for r in rows:
                if r["article_id"] in wanted:
                    self._kept[r["article_id"], r["text_version"]] = r
                    out.setdefault(r["article_id"], {})[r["text_version"]] = r["saved_at"]
        return out

    def _all_firsts(self) -> list[dict[str, Any]]:
        return list(self.conn.rows(HISTORY, f"part == 0 and {self._filter}", KEPT_FIELDS))

    def _old_articles(self, old: dict[str, dict[str, Any]], ids: list[str]) -> dict[str, Article]:
        """These published articles as stored (their metadata blobs); one whose parts are
        missing is left out: there is nothing whole to keep."""
        keys = {
            a: [
                blob_key(old[a]["id"], "article", i)
                for i in range(old[a]["info"]["parts"].get("article", 0))
            ]
            for a in ids
        }
        wanted = [k for ks in keys.values() for k in ks]
        bodies = {r["id"]: r["body"] for r in self.conn.get("blobs", wanted, ["body"])}
        out = {}
        for a, ks in keys.items():
            parts = [bodies.get(k) for k in ks]
            if ks and None not in parts:
                out[a] = Article(id=a, **decode_blob("article", "".join(str(p) for p in parts)))
        return out


def restamp(conn: Connection) -> None:
    """Before a rebuild that makes the other collections again (and starts the build
    numbers again): keep the versions no build retired, visible to every build from now."""
    if not conn.has(HISTORY):
        return
    conn.load_one(HISTORY)
    name = conn.name(HISTORY)
    conn.call(conn.client.delete, name, filter=f"retired < {INF}")
    rows = [{"id": r["id"], "build": 0} for r in conn.rows(HISTORY, "build > 0", ["id"])]
    for lo in range(0, len(rows), 2000):
        conn.call(conn.client.upsert, name, rows[lo : lo + 2000], partial_update=True)
