"""One question being asked: its words, its window, and what it reads from the store.

Every stage of a question (retrieve, features, read, decide, quote) asks the same things of
the store: an article's text, its named entities, its date, a sentence's neighbours. Here
each is read once per question, and in batches (one query for all of a question's
articles), instead of row by row wherever a stage needs one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from askbrief.dates import recency
from askbrief.ingest.entities import Entity, in_span, wanted
from askbrief.records import Article, Candidate, SentenceRow, Window
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
    _sentences: dict[tuple[str, int], SentenceRow] = field(init=False, default_factory=dict)
    _asked_for: set[tuple[str, int]] = field(init=False, default_factory=set)  # read or absent
    _entities: dict[str, list[Entity]] = field(init=False, default_factory=dict)
    _within: dict[tuple[str, int, int], list[Entity]] = field(init=False, default_factory=dict)
    _days: dict[str, date | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.asked = set(terms(self.question))
        self.kinds = wanted(self.question)

    def share_reads(self, other: Asking) -> None:
        """Read through `other`'s caches: the same question asked with an earlier one reads
        the same articles (the window and store are the same)."""
        self._articles, self._sentences, self._asked_for = (
            other._articles,
            other._sentences,
            other._asked_for,
        )
        self._entities, self._within, self._days = other._entities, other._within, other._days

    @property
    def with_context(self) -> str:
        """The question and the earlier one it may lean on, as one text."""
        return " ".join([self.question, *self.history[-1:]])

    def preload(self, article_ids: Iterable[str]) -> None:
        """Read these articles, one query for all not yet read."""
        missing = [a for a in dict.fromkeys(article_ids) if a not in self._articles]
        if missing:
            found = self.store.articles(missing)
            self._articles.update((a, found.get(a)) for a in missing)

    def article(self, article_id: str) -> Article | None:
        if article_id not in self._articles:
            self.preload([article_id])
        return self._articles[article_id]

    def text(self, article_id: str) -> str:
        article = self.article(article_id)
        return article.text if article else ""

    def preload_sentences(self, ranges: Iterable[tuple[str, int, int]]) -> None:
        """Read sentences first..last of each (article_id, first, last), one query for all
        not yet read."""
        missing = [
            (a, first, last)
            for a, first, last in dict.fromkeys(ranges)
            if any((a, i) not in self._asked_for for i in range(first, last + 1))
        ]
        if not missing:
            return
        for row in self.store.sentences_within(missing):
            self._sentences[row.article_id, row.idx] = row
        self._asked_for.update((a, i) for a, first, last in missing for i in range(first, last + 1))

    def sentences(self, article_id: str, first: int, last: int) -> list[SentenceRow]:
        """Sentences first..last of an article, in order."""
        if any((article_id, i) not in self._asked_for for i in range(first, last + 1)):
            self.preload_sentences([(article_id, first, last)])
        found = (self._sentences.get((article_id, i)) for i in range(first, last + 1))
        return [row for row in found if row is not None]

    def entities(self, article_id: str) -> list[Entity]:
        """All of an article's named entities, by start (for the few articles quoted)."""
        if article_id not in self._entities:
            self._entities[article_id] = self.store.entities(article_id)
        return self._entities[article_id]

    def preload_entities(self, cands: Iterable[Candidate]) -> None:
        """Read the entities inside each candidate sentence, one query for all."""
        spans = [(c.article_id, c.start, c.end) for c in cands]
        missing = [s for s in dict.fromkeys(spans) if s not in self._within]
        if missing:
            self._within.update(self.store.entities_within(missing))

    def entities_in(self, cand: Candidate) -> list[Entity]:
        """The named entities inside a candidate sentence."""
        key = (cand.article_id, cand.start, cand.end)
        if key not in self._within:
            self._within[key] = in_span(self.entities(cand.article_id), cand.start, cand.end)
        return self._within[key]

    def day(self, article_id: str) -> date | None:
        """The article's date as the build stored it (every candidate of it asks)."""
        if article_id not in self._days:
            self.preload_days([article_id])
        return self._days[article_id]

    def preload_days(self, article_ids: Iterable[str]) -> None:
        """Read these articles' dates, one query for all not yet read."""
        missing = [a for a in dict.fromkeys(article_ids) if a not in self._days]
        if missing:
            self._days.update(self.store.article_days(missing))

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
