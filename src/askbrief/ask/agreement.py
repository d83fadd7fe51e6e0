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
from typing import Protocol, TypeVar

import numpy as np

from askbrief.ask.ranking import MARK_FEATURES
from askbrief.ingest.entities import Entity, slot_fits
from askbrief.text import terms

# The first stage's best sentences that vote (probed on unseen news: depth 40 or 30 alike).
AGREE_DEPTH = 30
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


# count_votes hands each of `ranked` back to `entities_of`: whatever kind of sentence it is given
L = TypeVar("L", bound=Located)


@dataclass(frozen=True)
class Votes:
    """Each candidate answer's share of the rank-weighted votes of distinct articles."""

    shares: dict[str, float] = field(default_factory=dict)
    # A short form counted as the longer answer it is part of ("mcbride": "sarah mcbride")
    alias: dict[str, str] = field(default_factory=dict)

    @property
    def top(self) -> str | None:
        """The answer most articles agree on; None when none leads."""
        if not self.shares or self.lead <= 0:
            return None
        return max(self.shares, key=lambda k: self.shares[k])

    @property
    def lead(self) -> float:
        """How far the most agreed answer leads the runner-up (its share, when alone)."""
        ranked = sorted(self.shares.values(), reverse=True) + [0.0, 0.0]
        return ranked[0] - ranked[1]

    def share(self, key: str) -> float:
        return self.shares.get(self.alias.get(key, key), 0.0)


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
    ranked: Sequence[L],
    entities_of: Callable[[L], Sequence[Entity]],
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
    alias = _short_forms(totals)
    for short, full in alias.items():
        totals[full] += totals.pop(short)
    whole = sum(totals.values())
    return Votes({k: w / whole for k, w in totals.items()}, alias) if whole else Votes()


def _short_forms(keys: dict[str, float]) -> dict[str, str]:
    """Each key that is part of exactly one longer key ("mcbride" of "sarah mcbride"), to
    that key: a surname and the full name are one answer."""
    words = {k: set(k.split()) for k in keys}
    alias = {}
    for k, ws in words.items():
        longer = [K for K, Ws in words.items() if k != K and ws < Ws]
        if len(longer) == 1:
            alias[k] = longer[0]
    return alias


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


ANY_KIND = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
)


def mark_candidates(
    votes: Votes,
    kinds: frozenset[str],
    asked: set[str],
    text: str,
    entities: Sequence[Entity],
    start: int,
    end: int,
    counts: Callable[[list[str]], tuple[dict[str, int], int]],
) -> tuple[list[Entity], np.ndarray]:
    """The things in text[start:end] that may answer, with their MARK_FEATURES: of the
    asked kind, or any named thing when the question asks for none ("what is the name of
    the spacecraft?"). `counts`: the store's term_counts."""
    allowed = answer_kinds(kinds) if kinds else ANY_KIND
    inside = [e for e in entities if start <= e[0] and e[1] <= end]
    fits = slot_fits(allowed, asked, text, start, end, inside)
    stems = sorted({t for e, _ in fits for t in answer_key(text[e[0] : e[1]]).split()})
    df, n = counts(stems) if stems else ({}, 1)
    out, rows = [], []
    for entity, fit in fits:
        words = text[entity[0] : entity[1]]
        key = votes.alias.get(answer_key(words), answer_key(words))
        if not key:
            continue
        rare = max(-math.log((df.get(t, 0) + 1) / (n + 1)) for t in key.split())
        out.append(entity)
        rows.append(
            MARK_FEATURES.row(
                share=votes.share(key),
                top=float(key == votes.top),
                fit=fit,
                exact_kind=float(entity[2] in kinds),
                asked_kind=float(bool(kinds)),
                position=(entity[0] - start) / max(1, end - start),
                rarity=rare,
                words=float(min(5, len(words.split()))),
                capitals=float(words.isupper()),
            )
        )
    return out, MARK_FEATURES.matrix(rows)


def answer_span(
    entities: Sequence[Entity],
    features: np.ndarray,
    weights: np.ndarray,
    threshold: float,
    text: str,
) -> tuple[int, int] | None:
    """The words quote [1] marks: of `entities` (mark_candidates), the one the mark model
    (MARK_FEATURES weights, bias last) gives the highest probability of being the answer,
    when that is at least `threshold`; the longest mention of it wins a tie. None: no
    candidate is clear."""
    if not entities:
        return None
    p = 1.0 / (1.0 + np.exp(-(features @ weights[:-1] + weights[-1])))
    best = max(range(len(entities)), key=lambda i: (p[i], entities[i][1] - entities[i][0]))
    if p[best] < threshold:
        return None
    if any(p[i] >= p[best] - 1e-9 and not _same(entities[i], entities[best], text)
           for i in range(len(entities))):  # fmt: skip
        return None  # two things alike: no clear answer
    return entities[best][0], entities[best][1]


def _same(a: Entity, b: Entity, text: str) -> bool:
    """Two mentions of one thing: the same words, or one inside the other."""
    x, y = answer_key(text[a[0] : a[1]]), answer_key(text[b[0] : b[1]])
    return set(x.split()) <= set(y.split()) or set(y.split()) <= set(x.split())
