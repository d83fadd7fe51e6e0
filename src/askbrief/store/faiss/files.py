"""Opening a generation's files for reading, each failure a one-line error that says to
rebuild (manifest.FULL_HINT): the SQLite files read-only, the FAISS indexes memory-mapped,
the keyword index. read.py opens a generation with these; write.py reads the previous one.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from askbrief.errors import IndexMismatchError
from askbrief.store.faiss.keywords import KeywordIndex
from askbrief.store.manifest import FULL_HINT

if TYPE_CHECKING:  # imported where used: opening a store should not wait for faiss at import
    import faiss

META_DB = "meta.sqlite"
KEYWORDS = "bm25"
KEYWORD_IDS = "bm25_sids.npy"


def read_only_uri(path: Path) -> str:
    """A read-only SQLite URI; as_uri() escapes '?', '#' and '%' in folder names."""
    return path.resolve().as_uri() + "?mode=ro"


def open_db(path: Path, root: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise IndexMismatchError(f"{root}: metadata database {path.name} is missing; {FULL_HINT}")
    try:
        db = sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=False)
        db.execute("SELECT count(*) FROM articles").fetchone()
    except sqlite3.DatabaseError as err:
        raise IndexMismatchError(
            f"{root}: metadata database {path.name} is damaged ({err}); {FULL_HINT}"
        ) from None
    return db


def read_faiss(path: Path, root: Path) -> faiss.Index:
    import faiss

    if not path.is_file():
        raise IndexMismatchError(f"{root}: FAISS index file {path.name} is missing; {FULL_HINT}")
    try:
        # memory-mapped: opening is instant at any size, and several processes serving one
        # index share its pages instead of each holding a copy
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        prefetch(path)
        return index
    except (RuntimeError, MemoryError):
        raise IndexMismatchError(
            f"{root}: FAISS index file {path.name} is damaged; {FULL_HINT}"
        ) from None


def prefetch(path: Path) -> None:
    """Ask the kernel to read the file into the page cache in the background: without it
    the first questions after opening a large index wait on disk reads (at 1M passages, p95
    169 ms against 89 ms warm)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except (OSError, AttributeError):  # not on every platform; only an optimisation
        pass
    finally:
        os.close(fd)


def read_bm25(gen: Path, root: Path) -> tuple[KeywordIndex, np.ndarray]:
    try:
        ids = np.load(gen / KEYWORD_IDS)
        return KeywordIndex.load(gen / KEYWORDS), ids
    except Exception:  # whatever a damaged file makes numpy or bm25s raise
        raise IndexMismatchError(
            f"{root}: keyword index is missing or damaged; {FULL_HINT}"
        ) from None
