"""Stage 4 of a question: how likely the articles answer it (the answer model over
ranking.QUESTION_FEATURES), the checks no model output can overrule (something close, on
the question's subject, of its time), and what a refusal would say."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from askbrief.ask.agreement import Votes
from askbrief.ask.asking import Asking
from askbrief.ask.features import Ranked
from askbrief.ask.focus import keep_on_subject
from askbrief.ask.ranking import (
    QUESTION_FEATURES,
    READER_FEATURES,
    SENTENCE_FEATURES,
    SPREAD_TOP,
    Weights,
    answer_probability,
    is_close,
    names,
)
from askbrief.ask.reader import Reading
from askbrief.ask.retrieve import Retrieved
from askbrief.ask.signals import covers_known, list_agreement, name_cover, spread
from askbrief.ask.timeframe import years_unmatched
from askbrief.records import Candidate, Window

# Refusal reasons (records.REASONS): a best passage below this cosine is "nothing close";
# a best article this much less fresh than the collection's newest is "only old news".
CLOSE_PASSAGE = 0.45
OLD_NEWS = 0.3


@dataclass(frozen=True)
class Scored:
    """Everything the ranker saw for one question: for evaluation and fitting."""

    candidates: list[Candidate]
    sentence_features: np.ndarray  # (n, len(SENTENCE_FEATURES))
    question_features: np.ndarray  # (len(QUESTION_FEATURES),)
    probability: float
    # The reader's view: the first stage's best READER_DEPTH candidates (positions in
    # `candidates`), their reader signals, and the same candidates scored by the reader's
    # probability, best first: what quotes are chosen from.
    read_positions: tuple[int, ...] = ()
    reader_features: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    read: tuple[Candidate, ...] = ()
    reason: str = ""  # what a refusal would say (records.REASONS)
    window: Window | None = None  # the dates candidates were kept to, if any
    # Of `read`, those whose article mentions what the question names (focus.py), best
    # first: what an answer quotes.
    answers: tuple[Candidate, ...] = ()
    # When no sentence read is on the question's subject: the question's words the closest
    # one's article lacks (focus.py), which the refusal names.
    missing: tuple[str, ...] = ()
    # One sentence with its neighbours holds nearly every question word the articles use
    # (`covers_known`): close, whatever the best passage's cosine.
    close_by_words: bool = False
    # The answers of the asked kind the best sentences name, counted across articles.
    votes: Votes = field(default_factory=Votes)
    # What the question read (articles, entities, dates), for the quoting to reuse.
    asking: Asking | None = field(default=None, repr=False, compare=False)

    @classmethod
    def empty(cls, reason: str, window: Window | None) -> Scored:
        """Nothing to read: no candidates, a refusal for `reason`."""
        none = np.zeros((0, len(SENTENCE_FEATURES)))
        return cls([], none, np.zeros(len(QUESTION_FEATURES)), 0.0, reason=reason, window=window)


def decide(
    asking: Asking, found: Retrieved, ranked: Ranked, reading: Reading, weights: Weights
) -> Scored:
    question, window, cands = asking.question, asking.window, ranked.candidates
    feats, scores, probs, rfeats = (
        ranked.features,
        ranked.scores,
        reading.probabilities,
        reading.features,
    )
    # Only articles that mention what the question names may answer it (focus.py).
    time_words = [window.label] if window is not None and not window.strict else []
    on_subject, missing = keep_on_subject(
        question, reading.read, asking.store, ranked.dfs, time_words, asking.text
    )
    # every sentence read is about another subject: refused, whatever the model says
    strayed = bool(reading.read) and not on_subject
    idf, dfs = ranked.idf, ranked.dfs
    total_idf = sum(idf.values()) or 1.0
    col = SENTENCE_FEATURES.col  # a sentence signal of every candidate, by name
    # How well the articles answer, apart from how new they are: the best sentence on
    # evidence alone, and then separately how new its article is.
    evidence = scores - col(weights.sentence[:-1], "recency") * col(feats, "recency")
    best = int(np.argmax(evidence))
    ranked_evidence = np.sort(evidence)[::-1]
    ranked_probs = np.sort(probs)[::-1]
    read_cands = [cands[i] for i in reading.positions]
    named = names(question)
    known_names = sum(dfs.get(t, 0) > 0 for t in named) / len(named) if named else 1.0
    top_passage = float(found.passage_scores[0]) if len(found.passage_scores) else 0.0
    fresh_best = ranked.fresh[cands[best].article_id]
    qfeats = np.array(
        QUESTION_FEATURES.row(
            top_score=float(evidence[best]),
            top_passage=top_passage,
            best_cover=float((col(feats, "lex_own") + col(feats, "lex_near")).max()),
            unknown=sum(w for t, w in idf.items() if dfs[t] == 0) / total_idf,
            name_cover=name_cover(question, [cands[i] for i in np.argsort(-scores)[:5]]),
            agreement=list_agreement(asking.store, found.dense_sids, found.keyword_sids),
            fresh_match=top_passage * fresh_best,
            spread=spread(cands, scores),
            reader_top=float(probs.max()),
            alone_top=float(READER_FEATURES.col(rfeats, "alone").max()),
            reader_margin=float(ranked_probs[0] - (ranked_probs[1:2].sum())),
            top_drop=float(ranked_evidence[0] - ranked_evidence[: SPREAD_TOP // 2][-1]),
            names_known=known_names,
            agreed_lead=reading.votes.lead,
            time_gap=years_unmatched(
                question,
                [c.text + " " + c.context for c in read_cands],
                [asking.day(c.article_id) for c in read_cands],
            ),
            on_subject=float(not strayed),
        )
    )
    model, _ = weights.answer_model(dated=asking.now is not None)
    # Nothing close enough to answer from: no model output can make up for that. A sentence
    # holding every question word the articles use at all is close, however the rest is
    # worded: "the crossing took 22 minutes" for "How many minutes did the crossing take?"
    # ("take" occurs nowhere, so it cannot be matched)
    by_words = covers_known(idf, dfs, cands)
    close = bool(is_close(qfeats, weights.min_passage)) or by_words
    # The question names a year that no sentence read mentions, and every dated article
    # read is dated outside the dates its words name ("in 1998"): it is about another time
    # (undated articles say nothing of their time, and are left out of that)
    fits = READER_FEATURES.col(rfeats, "in_window") if len(rfeats) else np.ones(1)
    gap = QUESTION_FEATURES.col(qfeats, "time_gap") >= 1.0
    elsewhen = gap and bool((fits == 0.0).any()) and not bool((fits == 1.0).any())
    reason = (
        "off-subject"
        if strayed
        else "another-time"
        if elsewhen or gap
        else refusal_reason(
            top_passage if close else 0.0,
            fresh_best if asking.now is not None else None,
            bool(asking.kinds),
            bool(READER_FEATURES.col(rfeats, "type_match").any()),
        )
    )
    answerable = close and not (strayed or elsewhen)
    return Scored(
        cands,
        feats,
        qfeats,
        answer_probability(qfeats, model) if answerable else 0.0,
        reading.positions,
        rfeats,
        reading.read,
        reason,
        window,
        on_subject,
        missing,
        by_words,
        reading.votes,
        asking,
    )


def refusal_reason(
    top_passage: float, fresh: float | None, asks_kind: bool, kind_found: bool
) -> str:
    """Which reason a refusal gives (records.REASONS), from the signals that weigh most:
    nothing close, only old news, or close articles without a sentence of the asked kind."""
    if top_passage < CLOSE_PASSAGE:
        return "nothing-close"
    if fresh is not None and fresh < OLD_NEWS:
        return "old-news"
    if asks_kind and not kind_found:
        return "wrong-kind"
    return "weak-match"
