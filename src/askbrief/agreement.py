"""Answers that several articles agree on, and the words of quote [1] that answer.

News is redundant: the same fact is reported by several sites. For a question that asks for
a kind of thing ("which country", "how many"), the things of that kind in the best
sentences are counted across *different* articles, weighted by rank; the one most of them
name is likely the answer (Brill et al., "An analysis of the AskMSR question-answering
system", EMNLP 2002). The counts are signals for the reader (does a sentence hold the most
agreed answer; by how much does it lead the runner-up), not a decision on their own, and
they mark the answer inside quote [1] for a reader skimming a long quote.

A syndicated copy (the same sentence in another article) counts once, and a thing the
question itself names ("Which country did Biden visit?": not Biden) counts not at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .entities import Entity, slot_fits
from .text import terms

# The first stage's best sentences that vote (probed on unseen news: depth 40 or 30 alike).
AGREE_DEPTH = 30
# A mark in quote [1] needs its answer to lead the next thing of the asked kind there by
# this much (share of the votes plus slot fit, each between 0 and 1).
MARK_LEAD = 0.1
AMOUNTS = frozenset({"MONEY", "QUANTITY"})


class Located(Protocol):
    @property
    def article_id(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Votes:
    """Each candidate answer's share of the rank-weighted votes of distinct articles."""

    shares: dict[str, float] = field(default_factory=dict)

    @property
    def top(self) -> str | None:
        return max(self.shares, key=lambda k: self.shares[k]) if self.shares else None

    @property
    def lead(self) -> float:
        """How far the most agreed answer leads the runner-up (its share, when alone)."""
        ranked = sorted(self.shares.values(), reverse=True) + [0.0, 0.0]
        return ranked[0] - ranked[1]

    def share(self, key: str) -> float:
        return self.shares.get(key, 0.0)


def answer_key(value: str) -> str:
    """One spelling for one answer: stems of its words, numbers without separators
    ("42,000" and "42000"; "the United States" and "United States")."""
    return " ".join(terms(re.sub(r"(?<=\d)[,\u202f ](?=\d{3})", "", value)))


def answer_kinds(kinds: frozenset[str]) -> frozenset[str]:
    """The entity labels that may answer: an amount asked for ("how much") is often tagged
    a plain number ("3.7 million" of "3.7 million euros")."""
    return kinds | {"CARDINAL"} if kinds & AMOUNTS else kinds


def candidates_of(
    kinds: frozenset[str], asked: set[str], text: str, entities: Sequence[Entity]
) -> list[tuple[str, Entity]]:
    """The things of an asked kind among `entities` (spans of `text`) that the question
    does not name, each with its answer key."""
    kinds = answer_kinds(kinds)
    out = []
    for entity in entities:
        start, end, label = entity
        if label not in kinds:
            continue
        key = answer_key(text[start:end])
        if key and not set(key.split()) <= asked:
            out.append((key, entity))
    return out


def count_votes(
    kinds: frozenset[str],
    asked: set[str],
    ranked: Sequence[Located],
    entities_of: Callable[[Located], Sequence[Entity]],
    text_of: Callable[[str], str],
) -> Votes:
    """Votes over the first AGREE_DEPTH of `ranked` (best first): an article's vote for an
    answer weighs 1/sqrt(1 + rank) of its best sentence naming it; a sentence seen before
    (a syndicated copy) adds nothing."""
    if not kinds:
        return Votes()
    seen: set[str] = set()
    by_article: dict[str, dict[str, float]] = {}
    for rank, c in enumerate(ranked[:AGREE_DEPTH]):
        copy = " ".join(terms(c.text))
        if copy in seen:
            continue
        seen.add(copy)
        weight = 1.0 / math.sqrt(1.0 + rank)
        votes = by_article.setdefault(c.article_id, {})
        for key, _ in candidates_of(kinds, asked, text_of(c.article_id), entities_of(c)):
            votes[key] = max(votes.get(key, 0.0), weight)
    totals: dict[str, float] = {}
    for votes in by_article.values():
        for key, w in votes.items():
            totals[key] = totals.get(key, 0.0) + w
    whole = sum(totals.values())
    return Votes({k: w / whole for k, w in totals.items()}) if whole else Votes()


def sentence_agreement(
    votes: Votes, kinds: frozenset[str], asked: set[str], text: str, entities: Sequence[Entity]
) -> tuple[float, float]:
    """(share of the best-agreed answer the sentence names, 1 if that is the most agreed
    answer of all): the reader's `agreed` and `agreed_top` signals."""
    keys = {key for key, _ in candidates_of(kinds, asked, text, entities)}
    if not keys or not votes.shares:
        return 0.0, 0.0
    best = max(votes.share(k) for k in keys)
    return best, float(votes.top in keys)


def answer_span(
    votes: Votes,
    kinds: frozenset[str],
    asked: set[str],
    text: str,
    entities: Sequence[Entity],
    start: int,
    end: int,
) -> tuple[int, int] | None:
    """The words of text[start:end] (quote [1]) that answer: of the things of the asked
    kind there, the one with the most votes plus how closely it fills the question's slot
    (entities.slot_fits: "the crossing took 22 minutes, eight minutes faster"). None when
    none is of the asked kind, or the best two are alike: a mark must be clear."""
    inside = [e for e in entities if start <= e[0] and e[1] <= end]
    fits = slot_fits(answer_kinds(kinds), asked, text, start, end, inside)
    best: dict[str, tuple[float, Entity]] = {}
    for entity, fit in fits:
        key = answer_key(text[entity[0] : entity[1]])
        if not key:
            continue
        score = votes.share(key) + fit
        if key not in best or score > best[key][0]:
            best[key] = (score, entity)
    if not best:
        return None
    ranked = sorted(best.values(), key=lambda x: -x[0])
    if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < MARK_LEAD:
        return None
    entity = ranked[0][1]
    return entity[0], entity[1]
