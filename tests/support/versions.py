"""Article versions (store/history.py) as the tests of more than one tier need them: a small
collection with an article that is corrected, and an index made to look as it did before
versions were kept."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from askbrief import Settings
from askbrief.store.faiss.read import META_DB, current_generation
from askbrief.store.manifest import MANIFEST, file_digests
from askbrief.store.milvus.connection import Connection
from askbrief.store.milvus.session import write_meta

BRIDGE = {
    "id": "bridge",
    "title": "Kellin bridge reopens",
    "url": "https://example.org/news/2024/01/09/bridge",
    "published": "2024-01-09",
    "text": "The old river bridge in Kellin reopened to traffic on Monday. Two years of repairs "
    "cost 14 million euros, the council said.",
}
# the correction: the cost sentence changes, the first sentence does not
BRIDGE_FIXED = BRIDGE | {
    "title": "Kellin bridge reopens (corrected)",
    "text": "The old river bridge in Kellin reopened to traffic on Monday. Two years of repairs "
    "cost 15.2 million euros, the council said.",
}
CHOIR = {
    "id": "choir",
    "title": "Choir wins prize",
    "text": "The Kellin youth choir won first prize at the national festival with a programme "
    "of folk songs.",
}
COST_Q = "How much did the bridge repairs cost?"


def write_articles(folder: Path, articles: list[dict[str, str]]) -> None:
    """The collection as one .jsonl file (ids as given), replacing what was there."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(a) for a in articles]
    (folder / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def forget_versions(settings: Settings) -> None:
    """Make the index as a build before versions were kept left it: a FAISS generation with
    no version store and no saved_at column (its manifest's checksums made to match again);
    a Milvus store with no versions collection, article rows without saved_at and a meta
    row without the version counts."""
    loc = settings.location
    if not loc.is_milvus:
        assert loc.path is not None
        gen = current_generation(loc.path)
        assert gen is not None
        (gen / "versions.sqlite").unlink()
        db = sqlite3.connect(gen / META_DB)
        db.execute("ALTER TABLE articles DROP COLUMN saved_at")
        db.commit()
        db.execute("VACUUM")
        db.close()
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
        for key in ("kept_versions", "unversioned_at"):
            manifest.pop(key, None)
        manifest["files"] = file_digests(gen)
        (gen / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        return
    conn = Connection(loc)
    try:
        conn.call(conn.client.drop_collection, conn.name("versions"))
        rows = list(conn.rows("articles", "build >= 0", ["info"]))
        for r in rows:
            info = json.loads(r["info"])
            del info["saved_at"]
            r["info"] = json.dumps(info)
        conn.call(conn.client.upsert, conn.name("articles"), rows, partial_update=True)
        conn.call(conn.client.flush, conn.name("articles"))
        meta = conn.meta() or {}
        for key in ("kept_versions", "kept_rows", "unversioned_at"):
            meta.pop(key, None)
        write_meta(conn, meta)
    finally:
        conn.close()
