"""One build's writes to a Milvus store: its number, the check that no newer build has
started since (`guard`), and inserts and partial updates cut into batches a gRPC message
holds. write.py runs a build; versions.py and rows.py write through this.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from askbrief.errors import AskbriefError
from askbrief.store.milvus.connection import Connection
from askbrief.store.milvus.schema import PLACEHOLDER_DIM, collection_schemas

WRITE_ROWS = 500
WRITE_BYTES = 4 << 20
PLACEHOLDER = [0.0] * PLACEHOLDER_DIM


class BuildSession:
    """The build numbered `build`, writing through `conn`."""

    def __init__(self, conn: Connection, build: int) -> None:
        self.conn = conn
        self.build = build
        self.uri = conn.loc.shown  # messages never show a password

    def guard(self) -> None:
        """Stop if another build has started on this store since this one did."""
        meta = self.conn.meta() or {}
        if meta.get("started") != self.build:
            raise AskbriefError(
                f"another askbrief index started on {self.uri} while this one ran; it "
                "carries on and this one stops (run one build at a time)"
            )

    def insert(self, kind: str, rows: list[dict[str, Any]]) -> None:
        for part in batches(rows):
            self.conn.call(self.conn.client.insert, self.conn.name(kind), part)

    def set(self, kind: str, rows: list[dict[str, Any]]) -> None:
        """Change some fields of existing rows (Milvus 2.6 merge upsert)."""
        for lo in range(0, len(rows), WRITE_ROWS * 4):
            self.conn.call(
                self.conn.client.upsert,
                self.conn.name(kind),
                rows[lo : lo + WRITE_ROWS * 4],
                partial_update=True,
            )


class Counts:
    """What a build adds or retires, for the published totals and the keyword statistics."""

    def __init__(self) -> None:
        self.articles = self.passages = self.sentences = self.tokens = 0
        self.terms: Counter[str] = Counter()  # sentences holding each term


def create_collection(conn: Connection, kind: str) -> None:
    """One collection (schema.py describes them), Strong consistency: a reader on another
    server sees a build's rows as soon as it sees the meta row publishing them."""
    schema, index = collection_schemas(conn.client)[kind]
    conn.call(
        conn.client.create_collection, conn.name(kind), schema=schema, consistency_level="Strong"
    )
    # sync=False: an empty collection's indexes need no waiting (pymilvus would poll each
    # one for half a second)
    conn.call(conn.client.create_index, conn.name(kind), index, sync=False)
    conn.call(conn.client.load_collection, conn.name(kind))


def write_meta(conn: Connection, meta: dict[str, Any]) -> None:
    """The meta row, replaced whole: publishing is this single write."""
    row = {"id": 0, "body": json.dumps(meta), "vector": PLACEHOLDER}
    conn.call(conn.client.upsert, conn.name("meta"), [row])


def batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
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
