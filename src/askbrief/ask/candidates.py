"""The candidate sentences of one question: every sentence of the best passages, plus the
best sentences by dense and by keyword search, each with its neighbours (for coverage and
quote windows), its article (read once per question) and its named entities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from askbrief.ask.answer import is_headline, is_quotable
from askbrief.ask.timeframe import Window
from askbrief.dates import article_date, recency
from askbrief.ingest.entities import Entity, holds_answer, in_span, slot_fit
from askbrief.records import Article
from askbrief.store.base import ReadStore


@dataclass
class Cand:
    sid: int
    article_id: str
    idx: int
    start: int
    end: int
    text: str
    context: str
    passage: float
    passage_rank: int | None
    following: tuple[int, int] | None  # the next sentence's span, for quote windows
    headline: bool  # the article's first sentence repeats its title


class Pool:
    """Collects candidate sentences from passages and sentence hits, with their neighbours."""

    def __init__(self, store: ReadStore, window: Window | None = None) -> None:
        self.store = store
        # The dates the question asks about: a strict window keeps candidates to articles
        # dated inside it (undated ones always stay, and an answer says so); any window
        # gives the in_window signal. None: every article, alike.
        self.window = window
        self.loaded: dict[str, Article | None] = {}  # article id -> article, as read
        self.passage: dict[int, tuple[float, int]] = {}  # sid -> (best passage score, rank)
        self.sids: set[int] = set()
        self.article_score: dict[str, float] = {}
        self._pid_article: dict[int, str] = {}
        self._entities: dict[str, list[Entity]] = {}  # article id -> its named entities
        self._days: dict[str, date | None] = {}  # article id -> its date

    def add_passages(self, pids: np.ndarray, scores: np.ndarray, limit: int) -> None:
        """The sentences of the `limit` best passages inside the window."""
        rows = self.store.passages([int(p) for p in pids])
        rank = -1
        for pid, score in zip(pids, scores, strict=True):
            row = rows.get(int(pid))
            if row is None:
                continue
            self._pid_article[int(pid)] = row.article_id
            if not self.in_window(row.article_id):
                continue
            rank += 1
            if rank >= limit:
                break
            for s in self.store.sentences(row.article_id, row.first, row.last):
                if s.sid not in self.passage or self.passage[s.sid][0] < score:
                    self.passage[s.sid] = (float(score), rank)
                self.sids.add(s.sid)

    def add_sentences(self, sids: list[int]) -> None:
        self.sids.update(sids)

    def note_article_score(self, pid: int, score: float) -> None:
        article = self._pid_article.get(pid)
        if article is None:
            rows = self.store.passages([pid])
            article = rows[pid].article_id if pid in rows else None
        if article is not None:
            self.article_score[article] = max(self.article_score.get(article, 0.0), score)

    def candidates(self) -> list[Cand]:
        if not self.sids:
            return []
        rows = self.store.sentence_rows(sorted(self.sids))
        floor = min((s for s, _ in self.passage.values()), default=0.0)
        out = []
        for sid, row in rows.items():
            article_id, idx, start, end = row.article_id, row.idx, row.start, row.end
            if not self.in_window(article_id):
                continue
            text = self.text(article_id)
            sentence = text[start:end]
            if not is_quotable(sentence):
                continue
            near = self.store.sentences(article_id, idx - 1, idx + 1)
            context = " ".join(text[s.start : s.end] for s in near if s.idx != idx)
            following = next(((s.start, s.end) for s in near if s.idx == idx + 1), None)
            score, rank = self.passage.get(sid, (floor, None))
            article = self.article(article_id)
            headline = idx == 0 and article is not None and is_headline(sentence, article.title)
            out.append(
                Cand(
                    sid,
                    article_id,
                    idx,
                    start,
                    end,
                    sentence,
                    context,
                    score,
                    rank,
                    following,
                    headline,
                )
            )
        return out

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

    def articles(self) -> set[str]:
        """The articles read so far that are candidates' (inside the window)."""
        return {a for a in self.loaded if self.in_window(a)}

    def text(self, article_id: str) -> str:
        article = self.article(article_id)
        return article.text if article else ""

    def article(self, article_id: str) -> Article | None:
        if article_id not in self.loaded:
            self.loaded[article_id] = self.store.article(article_id)
        return self.loaded[article_id]

    def holds_answer(self, cand: Cand, kinds: frozenset[str], asked: set[str]) -> bool:
        return holds_answer(kinds, asked, self.text(cand.article_id), self.entities_in(cand))

    def slot_fit(self, cand: Cand, kinds: frozenset[str], asked: set[str]) -> float:
        if not kinds:
            return 0.0
        text = self.text(cand.article_id)
        return slot_fit(kinds, asked, text, cand.start, cand.end, self.entities_in(cand))

    def entities_in(self, cand: Cand) -> list[Entity]:
        """The named entities inside a candidate sentence (its article's read once)."""
        if cand.article_id not in self._entities:
            self._entities[cand.article_id] = self.store.entities(cand.article_id)
        return in_span(self._entities[cand.article_id], cand.start, cand.end)

    def recency(self, article_id: str, now: date | None, undated: float) -> float:
        fresh = recency(self.day(article_id), now)
        return undated if fresh is None else fresh

    def day(self, article_id: str) -> date | None:
        """The article's date, read once per question (every candidate of it asks)."""
        if article_id not in self._days:
            article = self.article(article_id)
            self._days[article_id] = article_date(article) if article else None
        return self._days[article_id]
