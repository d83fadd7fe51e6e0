"""Stage 3 of a question: the reader looks again at the first stage's best READER_DEPTH
candidates (ranking.READER_FEATURES: each sentence embedded alone, its entities of the asked
kind, agreement across articles) and gives each a probability of holding the answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from askbrief.ask.agreement import Votes, count_votes, sentence_agreement
from askbrief.ask.asking import Asking
from askbrief.ask.candidates import fits_slot
from askbrief.ask.features import Ranked
from askbrief.ask.ranking import (
    Weights,
    read_positions,
    reader_features,
    reader_probabilities,
    window_prior,
)
from askbrief.ask.timeframe import tells_of
from askbrief.records import Candidate

# Embeds sentences on their own (cached between questions by the open index).
EmbedAlone = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Reading:
    """The reader's view: the candidates read (positions in Ranked.candidates), their
    signals, and the same candidates scored by the reader's probability, best first."""

    positions: tuple[int, ...]
    features: np.ndarray
    probabilities: np.ndarray  # in `positions` order
    read: tuple[Candidate, ...]  # best first
    votes: Votes  # the answers of the asked kind the best sentences name, across articles


def read(asking: Asking, ranked: Ranked, weights: Weights, embed_alone: EmbedAlone) -> Reading:
    cands = ranked.candidates
    by_order = [cands[i] for i in np.argsort(-ranked.order, kind="stable")]
    votes = count_votes(asking.kinds, asking.asked, by_order, asking.entities_in, asking.text)
    top = read_positions(ranked.order)
    if weights.reads_alone:
        alone = embed_alone([cands[i].text for i in top]) @ asking.vector
    else:  # the fitted reader does not weigh it: no embedding
        alone = np.zeros(len(top), dtype=np.float32)
    opening = [cands[i].idx == 0 for i in top]
    fits = [fits_slot(asking, cands[i]) for i in top]
    agreed = [
        sentence_agreement(
            votes,
            asking.kinds,
            asking.asked,
            asking.text(cands[i].article_id),
            asking.entities_in(cands[i]),
        )
        for i in top
    ]
    rfeats = reader_features(ranked.order, top, alone, opening, fits, ranked.features, agreed)
    probs = reader_probabilities(rfeats, weights)
    if probs is None:  # no reader fitted: the first stage's order, as probabilities
        probs = 1.0 / (1.0 + np.exp(-ranked.order[list(top)]))
    # time words: the asked-for dates first
    probs = window_prior(probs, rfeats, told=[tells_of(asking.window, cands[i].text) for i in top])
    scored = (replace(cands[i], score=float(p)) for i, p in zip(top, probs, strict=True))
    return Reading(tuple(top), rfeats, probs, tuple(sorted(scored, key=lambda c: -c.score)), votes)
