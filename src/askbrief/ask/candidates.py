"""The candidate sentences of one question: every sentence of the best passages, plus the
best sentences by dense and by keyword search, each with its neighbours (for coverage and
quote windows). What they need from the store the question reads once (`Asking`)."""

from __future__ import annotations

import numpy as np

from askbrief.ask.answer import is_headline, is_quotable
from askbrief.ask.asking import Asking
from askbrief.ingest.entities import holds_answer, slot_fit
from askbrief.records import Candidate, PassageRow


class Pool:
    """Collects candidate sentences from passages and sentence hits, with their neighbours."""

    def __init__(self, asking: Asking) -> None:
        self.asking = asking
        self.passage: dict[int, tuple[float, int]] = {}  # sid -> (best passage score, rank)
        self.sids: set[int] = set()
        self.article_score: dict[str, float] = {}
        self._pid_article: dict[int, str] = {}

    def add_passages(self, pids: np.ndarray, scores: np.ndarray, limit: int) -> None:
        """The sentences of the `limit` best passages inside the window."""
        asking = self.asking
        rows = asking.store.passages([int(p) for p in pids])
        if asking.window is not None:  # the window asks each article's date
            asking.preload_days(row.article_id for row in rows.values())
        chosen: list[tuple[PassageRow, float]] = []
        for pid, score in zip(pids, scores, strict=True):
            row = rows.get(int(pid))
            if row is None:
                continue
            self._pid_article[int(pid)] = row.article_id
            if not asking.in_window(row.article_id):
                continue
            if len(chosen) >= limit:
                break
            chosen.append((row, score))
        asking.preload_sentences((row.article_id, row.first, row.last) for row, _ in chosen)
        for rank, (row, score) in enumerate(chosen):
            for s in asking.sentences(row.article_id, row.first, row.last):
                if s.sid not in self.passage or self.passage[s.sid][0] < score:
                    self.passage[s.sid] = (float(score), rank)
                self.sids.add(s.sid)

    def add_sentences(self, sids: list[int]) -> None:
        self.sids.update(sids)

    def note_article_scores(self, pids: np.ndarray, scores: np.ndarray) -> None:
        """Each article's best passage score among `pids` (those not yet seen read at once)."""
        missing = [int(p) for p in pids if int(p) not in self._pid_article]
        if missing:
            rows = self.asking.store.passages(missing)
            self._pid_article.update((p, row.article_id) for p, row in rows.items())
        for pid, score in zip(pids, scores, strict=True):
            article = self._pid_article.get(int(pid))
            if article is not None:
                best = self.article_score.get(article, 0.0)
                self.article_score[article] = max(best, float(score))

    def candidates(self) -> list[Candidate]:
        if not self.sids:
            return []
        asking = self.asking
        rows = asking.store.sentence_rows(sorted(self.sids))
        asking.preload(row.article_id for row in rows.values())
        asking.preload_days(row.article_id for row in rows.values())
        asking.preload_sentences(
            (row.article_id, row.idx - 1, row.idx + 1)
            for row in rows.values()
            if asking.in_window(row.article_id)
        )
        floor = min((s for s, _ in self.passage.values()), default=0.0)
        out = []
        for sid, row in rows.items():
            article_id, idx, start, end = row.article_id, row.idx, row.start, row.end
            if not asking.in_window(article_id):
                continue
            text = asking.text(article_id)
            sentence = text[start:end]
            if not is_quotable(sentence):
                continue
            near = asking.sentences(article_id, idx - 1, idx + 1)
            context = " ".join(text[s.start : s.end] for s in near if s.idx != idx)
            following = next(((s.start, s.end) for s in near if s.idx == idx + 1), None)
            score, rank = self.passage.get(sid, (floor, None))
            article = asking.article(article_id)
            headline = idx == 0 and article is not None and is_headline(sentence, article.title)
            out.append(
                Candidate(
                    article_id,
                    idx,
                    start,
                    end,
                    sentence,
                    following=following,
                    headline=headline,
                    sid=sid,
                    context=context,
                    passage=score,
                    passage_rank=rank,
                )
            )
        return out


def holds(asking: Asking, cand: Candidate) -> bool:
    """Does the sentence name something of the kind the question asks for?"""
    return holds_answer(
        asking.kinds, asking.asked, asking.text(cand.article_id), asking.entities_in(cand)
    )


def fits_slot(asking: Asking, cand: Candidate) -> float:
    """How well the sentence's entities of the asked kind sit where the answer would."""
    if not asking.kinds:
        return 0.0
    text = asking.text(cand.article_id)
    return slot_fit(
        asking.kinds, asking.asked, text, cand.start, cand.end, asking.entities_in(cand)
    )
