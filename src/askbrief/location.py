"""Where an index lives, from the one string a user types: parsed once, carried everywhere.

index/                     a folder: the embedded FAISS store (store/faiss/), the default
./idx.db                   a path ending in .db: Milvus Lite, embedded, no server
http://host:19530[/name]   a Milvus server or cluster (https: port 443 unless given);
                           /name prefixes the collections (default "askbrief");
                           user:password@ in the URL is the token
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from askbrief.errors import StoreError

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

    @property
    def shown(self) -> str:
        """The store as messages name it: a folder with a trailing slash, else the URI with
        any password masked."""
        if self.kind == FAISS:
            return f"{self.uri.rstrip('/')}/"
        if self.token:
            user = self.token.split(":", 1)[0]
            return self.uri.replace(f"{self.token}@", f"{user}:***@", 1)
        return self.uri


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
