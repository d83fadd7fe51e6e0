"""The two stores as peers: the read interface both answer, and the one place that opens one.

The query side (index.py), `askbrief show|stats|articles` and evaluation call `open_store`
and use only `ReadStore`, so they work the same over the FAISS folder (faiss_store.py) and
Milvus (milvus_store.py). Where the index lives is a `location.StoreLocation`, parsed once
by `Settings`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: choosing a store imports nothing heavy
    import numpy as np

    from askbrief.config import Settings
    from askbrief.ingest.entities import Entity
    from askbrief.records import Article, ArticleEntry, PassageRow, SentenceRow


class ReadStore(Protocol):
    """What the query side may ask of a store: FAISS (faiss_store.FaissStore) and Milvus
    (milvus_store.MilvusStore) both answer it."""

    manifest: dict[str, Any]

    def stale(self) -> bool: ...
    def close(self) -> None: ...
    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def search_sentences(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def search_keywords(self, query_tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def sentence_vectors(self, sids: list[int]) -> np.ndarray: ...
    def sentence_rows(self, sids: list[int]) -> dict[int, SentenceRow]: ...
    def passages(self, pids: list[int]) -> dict[int, PassageRow]: ...
    def sentences(self, article_id: str, first: int, last: int) -> list[SentenceRow]: ...
    def article(self, article_id: str) -> Article | None: ...
    def entities(self, article_id: str) -> list[Entity]: ...
    def article_ids(self) -> list[str]: ...
    def catalog(self) -> list[ArticleEntry]: ...
    def term_counts(self, tokens: list[str]) -> tuple[dict[str, int], int]: ...
    def articles_holding(self, tokens: list[str], articles: set[str]) -> dict[str, set[str]]: ...


def open_store(settings: Settings) -> ReadStore:
    """The index named by settings.store_uri, opened for reading."""
    loc = settings.location
    if loc.is_milvus:
        from askbrief.store.milvus.read import MilvusStore

        return MilvusStore(loc)
    from askbrief.store.faiss.read import FaissStore

    assert loc.path is not None
    return FaissStore(loc.path)
