"""The two stores as peers: the read interface both answer, and the one place that asks a
location which store it names (`store_kind`).

The query side (ask/), `askbrief show|stats|articles` and evaluation call `open_store` and
use only `ReadStore`, so they work the same over the FAISS folder (faiss/) and Milvus
(milvus/); build.py asks `store_kind` for the writer. Where the index lives is a
`location.StoreLocation`, parsed once by `Settings`; both stores take it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: choosing a store imports nothing heavy
    from collections.abc import Callable, Sequence
    from contextlib import AbstractContextManager
    from datetime import date

    import numpy as np

    from askbrief.config import Settings
    from askbrief.ingest.entities import Entity
    from askbrief.ingest.prepare import BuildJob
    from askbrief.location import StoreLocation
    from askbrief.records import (
        Article,
        ArticleEntry,
        ArticleVersion,
        BuildReport,
        PassageRow,
        SentenceRow,
    )


class ReadStore(Protocol):
    """What the query side may ask of a store: FAISS (faiss/read.py's FaissStore) and Milvus
    (milvus/read.py's MilvusStore) both answer it."""

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
    # the same, for all of one question's articles at once (a query each, not one per row)
    def articles(self, article_ids: list[str]) -> dict[str, Article]: ...
    def sentences_within(self, ranges: Sequence[tuple[str, int, int]]) -> list[SentenceRow]: ...
    def entities_within(
        self, spans: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[Entity]]: ...
    def article_ids(self) -> list[str]: ...
    def catalog(self) -> list[ArticleEntry]: ...
    # each article's date (dates.article_date), as the build stored it; None: undated or
    # not in the store. One query for a question's articles; no article is read for it.
    def article_days(self, article_ids: list[str]) -> dict[str, date | None]: ...
    def term_counts(self, tokens: list[str]) -> tuple[dict[str, int], int]: ...
    def articles_holding(self, tokens: list[str], articles: set[str]) -> dict[str, set[str]]: ...
    # article versions (store/history.py): each text an article has had, oldest first, the
    # current one last ([] for an unknown id); the article as it was at one of them (None:
    # unknown); how many indexed articles have more than one
    def versions(self, article_id: str) -> list[ArticleVersion]: ...
    def article_version(self, article_id: str, version: str) -> Article | None: ...
    def corrected_articles(self) -> int: ...


class StoreWriter(Protocol):
    """What build.py asks of a store's writer (faiss/write.py's FaissWriter, milvus/write.py's
    MilvusWriter): hold the store for one build at a time, then build into it."""

    def lock(
        self, on_wait: Callable[[str], None] | None = None
    ) -> AbstractContextManager[None]: ...
    def build(self, job: BuildJob, full: bool) -> BuildReport: ...


class StoreKind(Protocol):
    """A store's sub-package (store/faiss, store/milvus), as its __init__ offers it: each
    opens its reader or its writer, importing only the side asked for."""

    def open_reader(self, location: StoreLocation) -> ReadStore: ...
    def open_writer(self, location: StoreLocation) -> StoreWriter: ...


def store_kind(location: StoreLocation) -> StoreKind:
    """The one place that asks a location which store it names."""
    if location.is_milvus:
        import askbrief.store.milvus as milvus_store

        return milvus_store
    import askbrief.store.faiss as faiss_store

    return faiss_store


def open_store(settings: Settings) -> ReadStore:
    """The index settings.location names, opened for reading."""
    return store_kind(settings.location).open_reader(settings.location)
