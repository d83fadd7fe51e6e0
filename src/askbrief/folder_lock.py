"""An exclusive lock on a folder itself (flock on the directory), for work that must take
turns per folder: two `askbrief users` edits of one users file, two fetches into one articles
folder. A lock file would be left behind beside the user's files (the repository, the
articles folder); a lock on the directory leaves nothing, is released by the kernel if the
process dies, and is shared by every process and thread that opens the folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def folder_lock(folder: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold `folder` (created if missing) exclusively for the block. If another holder has
    it, `on_wait` is called once before waiting for it."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock
