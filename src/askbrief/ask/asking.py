"""One question being asked: its words, its window, and what it reads from the store.

Every stage of a question (retrieve, features, read, decide, quote) asks the same things of
the store: an article's text, its named entities, its date, a sentence's neighbours. Here
each is read once per question, and in batches (one query for all of a question's
articles), instead of row by row wherever a stage needs one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from askbrief.ask.timeframe import Window
from askbrief.dates import article_date, recency
from askbrief.ingest.entities import Entity, in_span, wanted
from askbrief.records import Article, Candidate, SentenceRow
from askbrief.store.base import ReadStore
from askbrief.text import terms


@dataclass
class Asking:
    """The question (cleaned), the earlier questions it may lean on, and its reads."""

    question: str
    history: tuple[str, ...]
    store: ReadStore
    # The dates the question asks about: a strict window keeps candidates to articles dated
    # inside it (undated ones always stay, and an answer says so); any window gives the
    # in_window signal. None: every article, alike.
    window: Window | None
    now: date | None  # the date recency is measured from
    vector: np.ndarray  # the question's unit vector (an earlier question blended in)
    search_terms: list[str]  # its stemmed words (and the earlier question's), for BM25
    asked: set[str] = field(init=False)  # the question's own stemmed words
    kinds: frozenset[str] = field(init=False)  # the entity kinds it asks for ("who": PERSON)
    _articles: dict[str, Article | None] = field(init=False, default_factory=dict)
    _sentences: dict[str, list[SentenceRow]] = field(init=False, default_factory=dict)
    _entities: dict[str, list[Entity]] = field(init=False, default_factory=dict)
    _days: dict[str, date | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.asked = set(terms(self.question))
        self.kinds = wanted(self.question)

    @property
    def with_context(self) -> str:
        """The question and the earlier one it may lean on, as one text."""
        return " ".join([self.question, *self.history[-1:]])

    def preload(self, article_ids: Iterable[str]) -> None:
        """Read these articles and their sentences, one query each for all not yet read."""
        missing = [a for a in dict.fromkeys(article_ids) if a not in self._articles]
        if not missing:
            return
        found = self.store.articles(missing)
        self._articles.update((a, found.get(a)) for a in missing)
        self._sentences.update(self.store.sentences_of(missing))

    def article(self, article_id: str) -> Article | None:
        if article_id not in self._articles:
            self.preload([article_id])
        return self._articles[article_id]

    def text(self, article_id: str) -> str:
        article = self.article(article_id)
        return article.text if article else ""

    def sentences(self, article_id: str, first: int, last: int) -> list[SentenceRow]:
        """Sentences first..last of an article, in order."""
        if article_id not in self._sentences:
            self.preload([article_id])
        rows = self._sentences.get(article_id, [])
        idxs = [r.idx for r in rows]
        return rows[bisect_left(idxs, first) : bisect_right(idxs, last)]

    def entities(self, article_id: str) -> list[Entity]:
        """An article's named entities; on the first call, those of every article read so
        far, in one query."""
        if article_id not in self._entities:
            wanted_ids = {a for a in self._articles if a not in self._entities} | {article_id}
            self._entities.update(self.store.entities_of(sorted(wanted_ids)))
        return self._entities.get(article_id, [])

    def entities_in(self, cand: Candidate) -> list[Entity]:
        """The named entities inside a candidate sentence."""
        return in_span(self.entities(cand.article_id), cand.start, cand.end)

    def day(self, article_id: str) -> date | None:
        """The article's date, worked out once per question (every candidate of it asks)."""
        if article_id not in self._days:
            article = self.article(article_id)
            self._days[article_id] = article_date(article) if article else None
        return self._days[article_id]

    def in_window(self, article_id: str) -> bool:
        """May the article be quoted? Outside a strict window (--since/--until) it may not;
        undated articles always may."""
        return self.window is None or not self.window.strict or self.window_fit(article_id) > 0

    def window_fit(self, article_id: str) -> float:
        """1 inside the window (or with none), 0 dated outside it, 0.5 undated: the ranker's
        in_window signal."""
        if self.window is None:
            return 1.0
        day = self.day(article_id)
        if day is None:
            return 0.5
        return 1.0 if self.window.holds(day) else 0.0

    def recency(self, article_id: str, undated: float) -> float:
        """How new the article is against `now` (1 newest), `undated` for an undated one."""
        fresh = recency(self.day(article_id), self.now)
        return undated if fresh is None else fresh
