"""Which store an index lives in, from one string, and the one place that opens it.

    index/                     a folder: the embedded FAISS store (store.py), the default
    ./idx.db                   a path ending in .db: Milvus Lite, embedded, no server
    http://host:19530[/name]   a Milvus server or cluster (https: port 443 unless given);
                               /name prefixes the collections (default "askbrief");
                               user:password@ in the URL is the token

The query side (index.py), `askbrief show|stats` and evaluation call `open_store` and use
only the read interface below, so they work the same over either store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from .errors import StoreError

if TYPE_CHECKING:  # annotations only: choosing a store imports nothing heavy
    import numpy as np

    from .config import Settings
    from .entities import Entity
    from .records import Article, Span
    from .store import PassageRow

FAISS, MILVUS_LITE, MILVUS = "faiss", "milvus-lite", "milvus"
DEFAULT_PREFIX = "askbrief"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,200}")


@dataclass(frozen=True)
class StoreLocation:
    kind: str  # FAISS, MILVUS_LITE or MILVUS
    uri: str  # as given: for messages
    path: Path | None = None  # the FAISS folder or the Milvus Lite .db
    server: str = ""  # scheme://host:port of a Milvus server
    token: str = ""  # "user:password" from the URL, if any
    prefix: str = DEFAULT_PREFIX  # collection names: <prefix>_passages, ...

    @property
    def is_milvus(self) -> bool:
        return self.kind != FAISS


def parse_store(uri: str) -> StoreLocation:
    """Classify a store string; a malformed one is a one-line StoreError."""
    text = uri.strip()
    if not text:
        raise StoreError("the store is empty; give a folder, a .db path or http://host:19530")
    if _SCHEME.match(text):
        return _parse_server(text)
    path = Path(text).expanduser()
    if path.suffix == ".db":
        return StoreLocation(MILVUS_LITE, uri, path=path)
    return StoreLocation(FAISS, uri, path=path)


def _parse_server(uri: str) -> StoreLocation:
    usage = "use http://host:19530 or https://host:19530/prefix"
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        raise StoreError(f"store {uri!r}: unsupported scheme {parts.scheme!r}; {usage}")
    try:
        port = parts.port
    except ValueError:
        raise StoreError(f"store {uri!r}: the port is not a number; {usage}") from None
    if not parts.hostname:
        raise StoreError(f"store {uri!r}: no host; {usage}")
    prefix = parts.path.strip("/") or DEFAULT_PREFIX
    if not _PREFIX.fullmatch(prefix):
        raise StoreError(
            f"store {uri!r}: {prefix!r} cannot prefix collection names (letters, digits, _)"
        )
    if parts.query or parts.fragment:
        raise StoreError(f"store {uri!r}: no ?query or #fragment expected; {usage}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    server = f"{parts.scheme}://{host}:{port or (443 if parts.scheme == 'https' else 19530)}"
    token = ""
    if parts.username:
        token = f"{parts.username}:{parts.password or ''}"
    return StoreLocation(MILVUS, uri, server=server, token=token, prefix=prefix)


def location(settings: Settings) -> StoreLocation:
    return parse_store(settings.store_uri)


class ReadStore(Protocol):
    """What the query side may ask of a store: FAISS (store.Store) and Milvus
    (milvus_store.MilvusStore) both answer it."""

    manifest: dict[str, Any]

    def stale(self) -> bool: ...
    def close(self) -> None: ...
    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def search_sentences(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def search_keywords(self, query_tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def sentence_vectors(self, sids: list[int]) -> np.ndarray: ...
    def sentence_rows(self, sids: list[int]) -> dict[int, tuple[str, int, int, int]]: ...
    def passages(self, pids: list[int]) -> dict[int, PassageRow]: ...
    def sentences(self, article_id: str, first: int, last: int) -> list[tuple[int, int, Span]]: ...
    def article(self, article_id: str) -> Article | None: ...
    def entities(self, article_id: str) -> list[Entity]: ...
    def article_ids(self) -> list[str]: ...
    def term_counts(self, tokens: list[str]) -> tuple[dict[str, int], int]: ...
    def articles_holding(self, tokens: list[str], articles: set[str]) -> dict[str, set[str]]: ...


def open_store(settings: Settings) -> ReadStore:
    """The index named by settings.store_uri, opened for reading."""
    loc = location(settings)
    if loc.is_milvus:
        from .milvus_store import MilvusStore

        return MilvusStore(loc)
    from .store import Store

    assert loc.path is not None
    return Store(loc.path)
