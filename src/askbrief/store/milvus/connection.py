"""One connection to a Milvus store, shared within a process, whose calls fail in one line.

Milvus Lite (a .db path) runs in this process and lets one process at a time open a .db; a
server is reached over gRPC. Either way every call goes through `Connection.call`, which
turns pymilvus's, gRPC's and Milvus Lite's exceptions into askbrief's one-line errors.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from askbrief.errors import AskbriefError, IndexMismatchError, NoIndexError, StoreError
from askbrief.location import MILVUS, MILVUS_LITE, StoreLocation
from askbrief.store.manifest import FULL_HINT
from askbrief.store.milvus.schema import HISTORY, KINDS

CONNECT_TIMEOUT = 10.0  # seconds to reach a server
# Seconds a read may take on a server. pymilvus gives calls no deadline: on a hung server
# (or a host gone silent) a question would wait over a minute before failing.
CALL_TIMEOUT = 10.0
READS = frozenset({"get", "get_load_state", "has_collection", "query", "query_iterator", "search"})
FETCH = 1000  # ids per get()

T = TypeVar("T")


@dataclass
class _Shared:
    client: Any
    users: int


_shared: dict[str, _Shared] = {}
_shared_lock = threading.Lock()
# Connections of stores that were garbage-collected unclosed. Closed later, by the next
# open or close, never inside the collector: it may run while _shared_lock is held.
_orphans: list[Connection] = []


def orphaned(conn: Connection) -> None:
    """For a store collected unclosed: its connection is closed by the next open or close."""
    _orphans.append(conn)


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
        """fn(*args, **kwargs) with one-line errors. Reads from a server get CALL_TIMEOUT. A
        restarted server has released the collections: they are loaded, and the call tried
        once more, so open stores answer again without being reopened."""
        if self.loc.kind == MILVUS and getattr(fn, "__name__", "") in READS:
            kwargs.setdefault("timeout", CALL_TIMEOUT)
        try:
            return fn(*args, **kwargs)
        except AskbriefError:
            raise
        except Exception as err:  # pymilvus, grpc and Milvus Lite each raise their own
            if not _released(err):
                raise _store_error(self.loc, err) from None
        self.load(strict=False)
        try:
            return fn(*args, **kwargs)
        except AskbriefError:
            raise
        except Exception as err:
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

    def load(self, *, strict: bool = True) -> None:
        """Collections must be loaded before reads (Milvus Lite releases them on restart).
        strict: a missing collection is an error (else it is left to the caller); the
        versions collection may be missing (a store written before versions were kept)."""
        for kind in (*KINDS, HISTORY):
            if not self.has(kind):
                if not strict or kind == HISTORY:
                    continue
                raise IndexMismatchError(
                    f"{self.loc.shown}: collection {self.name(kind)} is missing; {FULL_HINT}"
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

    def count(self, kind: str, expr: str) -> int:
        """How many rows match `expr`."""
        found = self.call(
            self.client.query, self.name(kind), filter=expr, output_fields=["count(*)"]
        )
        return int(found[0]["count(*)"]) if found else 0

    def meta(self) -> dict[str, Any] | None:
        """The meta row's JSON, or None if there is none (never built)."""
        if not self.has("meta"):
            return None
        # not loaded yet (after a restart): call() loads it and asks again
        found = self.call(self.client.get, self.name("meta"), ids=[0], output_fields=["body"])
        if not found:
            return None
        try:
            body = json.loads(found[0]["body"])
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise IndexMismatchError(
                f"{self.loc.shown}: the store's meta row is damaged; {FULL_HINT}"
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
    details = getattr(err, "details", None)  # grpc's errors: their status text, not a repr
    message = (
        (details() if callable(details) else None)
        or getattr(err, "message", None)
        or str(err)
        or type(err).__name__
    )
    return " ".join(str(message).split())


def _released(err: Exception) -> bool:
    """Milvus's "collection not loaded" (code 101), as a restarted server answers reads."""
    reason = _reason(err)
    return getattr(err, "code", None) == 101 or "not loaded" in reason or "'released'" in reason


def _store_error(loc: StoreLocation, err: Exception) -> AskbriefError:
    reason = _reason(err)
    if loc.kind == MILVUS_LITE and ("lock" in reason.lower() or "Open local milvus" in reason):
        return StoreError(
            f"{loc.shown} cannot be opened ({reason}); another process may have it open"
        )
    if any(s in reason for s in ("Deadline", "DEADLINE", "Retry timeout")):
        return StoreError(
            f"lost the Milvus server at {loc.server or loc.shown} (no answer within "
            f"{CALL_TIMEOUT:g} s)"
        )
    if any(s in reason for s in ("connect", "Connect", "UNAVAILABLE", "unavailable", "timed out")):
        return StoreError(f"lost the Milvus server at {loc.server or loc.shown} ({reason})")
    return IndexMismatchError(
        f"{loc.shown}: the store is damaged or not askbrief's ({reason}); {FULL_HINT}"
    )
