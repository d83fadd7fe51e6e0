"""One build at a time per store: a lock file whose place each writer chooses (in the FAISS
folder, beside a Milvus Lite .db; a Milvus server has none, milvus/write.py says why).

The file stays behind after the build, empty: filelock locks it with flock, which the kernel
releases if the process dies, so a killed build never leaves a store locked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def hold(lock_path: Path, shown: str, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    """Hold `lock_path` for the block. If another build holds it, `on_wait` hears so once
    (naming the store as `shown`) before this one waits for it."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait:
            on_wait(f"another askbrief index is updating {shown}; waiting for it to finish")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
