"""The Milvus store (Milvus Lite file or server): the same records as the FAISS store, in
collections. Imports `store/` and `ingest/` only.

base.py reaches it through `open_reader` and `open_writer`, which import their side only
when called: a question never loads the writer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from askbrief.location import StoreLocation
    from askbrief.store.milvus.read import MilvusStore
    from askbrief.store.milvus.write import MilvusWriter


def open_reader(location: StoreLocation) -> MilvusStore:
    from askbrief.store.milvus.read import MilvusStore

    return MilvusStore(location)


def open_writer(location: StoreLocation) -> MilvusWriter:
    from askbrief.store.milvus.write import MilvusWriter

    return MilvusWriter(location)
