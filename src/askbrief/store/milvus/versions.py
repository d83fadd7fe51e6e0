"""What keeps readers of the published build P seeing P while a build B > P writes: rows
are retired at B, never deleted, until a later build; rows of builds that never published
are removed or restored; each term keeps its count at P beside the new one.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from askbrief.store.milvus.schema import (
    HISTORY,
    INF,
    TERM_CHARS,
    blob_key,
    passage_key,
    sentence_key,
    term_key,
    visible,
)
from askbrief.store.milvus.session import PLACEHOLDER, BuildSession, Counts, batches

VERSIONED = ("articles", "blobs", "passages", "sentences")  # rows with build and retired


def clean_up(s: BuildSession, published: int, below: int = INF) -> None:
    """Undo builds that did not publish (numbers above `published`, under `below`) and drop
    rows no reader can see any more (kept article versions too, history.py)."""
    conn = s.conn
    for kind in (*VERSIONED, HISTORY):
        if kind == HISTORY and not conn.has(kind):
            continue  # a store written before versions were kept
        name = conn.name(kind)
        conn.call(conn.client.delete, name, filter=f"build > {published} and build < {below}")
        undo = f"retired > {published} and retired < {min(below, INF)}"
        ids = [r["id"] for r in conn.rows(kind, undo, ["id"])]
        s.set(kind, [{"id": i, "retired": INF} for i in ids])
        if below == INF:
            conn.call(conn.client.delete, name, filter=f"retired < {published}")
    expr = f"build > {published} and build < {below}"
    rows = list(conn.rows("terms", expr, ["prev_df"]))
    s.set("terms", [{"id": r["id"], "df": r["prev_df"], "build": published} for r in rows])


def published_articles(s: BuildSession, published: int) -> dict[str, dict[str, Any]]:
    """article id -> its articles row at the published build (info decoded)."""
    rows = s.conn.rows("articles", visible(published), ["article_id", "hash", "info"])
    return {r["article_id"]: {**r, "info": json.loads(r["info"])} for r in rows}


def retire(s: BuildSession, rows: list[dict[str, Any]]) -> Counts:
    """Mark these article versions' rows retired at this build; count what goes."""
    gone = Counts()
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
        for r in s.conn.get("sentences", ids["sentences"], ["kw"]):
            tokens = r["kw"].split()
            gone.tokens += len(tokens)
            gone.terms.update(set(tokens))
        for kind, keys in ids.items():
            s.set(kind, [{"id": i, "retired": s.build} for i in keys])
    return gone


def update_terms(s: BuildSession, gone: Counter[str], added: Counter[str]) -> None:
    """Sentence counts per term: the new count in df, the published one in prev_df."""
    delta = Counter(added)
    delta.subtract(gone)
    touched = [t for t, d in delta.items() if d]
    for lo in range(0, len(touched), 4000):
        part = touched[lo : lo + 4000]
        keys = {term_key(t): t for t in part}
        rows = s.conn.get("terms", list(keys), ["term", "df"])
        now = {keys[r["id"]]: int(r["df"]) for r in rows if r["term"] == keys[r["id"]][:TERM_CHARS]}
        out = [
            {
                "id": term_key(t),
                "term": t[:TERM_CHARS],
                "df": max(0, now.get(t, 0) + delta[t]),
                "prev_df": now.get(t, 0),
                "build": s.build,
                "vector": PLACEHOLDER,
            }
            for t in part
        ]
        for chunk in batches(out):
            s.conn.call(s.conn.client.upsert, s.conn.name("terms"), chunk)
