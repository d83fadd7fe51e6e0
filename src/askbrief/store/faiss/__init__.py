"""The default store: a folder of generations, each a FAISS index, a BM25 folder and a
SQLite file of articles, passages and sentences. Imports `store/` and `ingest/` only.

base.py reaches it through `open_reader` and `open_writer`, which import their side only
when called: a question never loads the writer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from askbrief.location import StoreLocation
    from askbrief.store.faiss.read import FaissStore
    from askbrief.store.faiss.write import FaissWriter


def open_reader(location: StoreLocation) -> FaissStore:
    from askbrief.store.faiss.read import FaissStore

    return FaissStore(location)


def open_writer(location: StoreLocation) -> FaissWriter:
    from askbrief.store.faiss.write import FaissWriter

    return FaissWriter(location)
