"""Scoring candidate sentences and deciding whether to answer at all.

All are small linear models over cheap signals. Their weights live in `ranker.json`, fitted
by `benchmarks/fit_ranker.py` on the training questions (`shared/eval/train`) and synthetic
questions made from the articles (docs/quality.md); the signals are computed from the
question and the articles only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from askbrief.text import term_set, terms


class FeatureSet(tuple[str, ...]):
    """The names of one model's signals, in the order of its weights. Rows are built and
    columns read by name through it, so adding a signal touches its name here and the one
    place computing its value, and nothing positional."""

    __slots__ = ()

    def __new__(cls, *names: str) -> FeatureSet:
        if len(set(names)) != len(names) or not all(n.isidentifier() for n in names):
            raise ValueError(f"feature names must be distinct identifiers: {names}")
        return super().__new__(cls, names)

    def __getnewargs__(self) -> tuple[str, ...]:  # copies and pickles
        return tuple(self)

    def row(self, **values: float) -> list[float]:
        """One row of values, in this set's order; every declared name, and only those."""
        if len(values) != len(self) or not all(n in values for n in self):
            missing = [n for n in self if n not in values]
            unknown = [n for n in values if n not in self]
            raise ValueError(f"feature row: missing {missing}, unknown {unknown}")
        return [values[n] for n in self]

    def matrix(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        """Rows made by `row` as an (n, len(self)) array."""
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(self))

    def col(self, features: np.ndarray, name: str) -> np.ndarray:
        """The named signal of each row of `features` (of a single row: its value)."""
        if features.shape[-1] != len(self):
            raise ValueError(f"{features.shape[-1]} columns, but {len(self)} features: {self}")
        return features[..., self.index(name)]


SENTENCE_FEATURES = FeatureSet(
    "dense",  # cosine of question and the sentence's contextual vector
    "passage",  # best cosine of question and a retrieved passage holding the sentence
    "keyword",  # BM25 score of the sentence, relative to the best in this query
    "fused",  # reciprocal-rank fusion over the dense-sentence, passage and BM25 lists
    "lex_own",  # idf-weighted share of question terms in the sentence
    "lex_near",  # idf-weighted share found only in a neighbouring sentence
    "article",  # best passage score of the sentence's article
    "article_cover",  # idf-weighted share of question terms anywhere in the article
    "lead",  # 1 / (1 + sentence position): news puts the key facts first
    "novel",  # share of the sentence's names and numbers that the question lacks
    "type_match",  # names a thing of the kind asked for, new to the question (entities.py)
    "length",  # log of the sentence length in characters
    "recency",  # how new the sentence's article is within the collection (dates.py)
    # the article's date against the question's time words (timeframe.py): 1 inside the
    # window or when the question names none, 0 outside, 0.5 undated
    "in_window",
)
QUESTION_FEATURES = FeatureSet(
    "top_score",  # best ranker score without its recency term: the evidence
    "top_passage",  # best passage cosine
    "best_cover",  # best idf-weighted coverage of the question by a sentence and neighbours
    "unknown",  # idf share of question terms the articles never use
    "name_cover",  # share of the question's names found near the best sentences
    "agreement",  # overlap of articles in dense and BM25 top lists
    # top_passage times the recency of the best sentence's article: old news rarely answers
    # "this week", and a new article that barely matches does not either.
    "fresh_match",
    # distinct articles among the 10 best sentences, over 10: when the best sentences come
    # from many articles, none of them is about the question.
    "spread",
    "reader_top",  # the reader's best probability that a sentence holds the answer
    "alone_top",  # best cosine of the question and a sentence read on its own
    # (signals added later go last: fit_ranker's cached questions keep their order)
    "reader_margin",  # the reader's best probability minus the runner-up's
    "top_drop",  # best evidence score minus the fifth best: one sentence stands out
    "names_known",  # share of the question's names the articles use at all
    "agreed_lead",  # how far the most agreed answer leads the runner-up (agreement.py)
    "time_gap",  # share of the years the question names that no sentence read matches
    "on_subject",  # 1 when an article read mentions what the question names (focus.py)
)
SPREAD_TOP = 10
# The idf-weighted share of the question's words in one sentence and its neighbours that counts
# as close on its own (Weights.is_close).
FULL_COVER = 0.9
# The reader: the first-stage ranker's best READER_DEPTH sentences are read again, each
# embedded on its own next to the question, and re-scored by a second small model fitted for
# the first position (benchmarks/fit_ranker.py). Its score is a calibrated probability that
# the sentence holds the answer; quotes are chosen and ordered by it.
READER_DEPTH = 12
# The first stage's own signals (SENTENCE_FEATURES, same names), weighed again by the reader
# for the first position: whether the sentence names a thing of the asked kind new to the
# question, the question's words in it and around it, the names and numbers it adds, how new
# its article is and whether it falls in the question's time window, and the rest; all but
# the article's best passage score, which `passage` nearly repeats (not tried in the reader).
FIRST_STAGE_SIGNALS = tuple(f for f in SENTENCE_FEATURES if f != "article")
READER_FEATURES = FeatureSet(
    "order",  # the first-stage ranker's score (a logit)
    "order_gap",  # that score minus the best one's in this question
    "alone",  # cosine of question and the sentence embedded on its own, without its passage
    "alone_gap",  # that cosine minus the best one among the sentences read
    "rank",  # 1 / (1 + first-stage rank)
    "opening",  # the article's first sentence: a headline, or a lead with its dateline
    "slot",  # an entity of the asked kind next to the question's own words (entities.slot_fit)
    *FIRST_STAGE_SIGNALS,
    "agreed",  # share of the votes of the best-agreed answer the sentence names (agreement.py)
    "agreed_top",  # 1 when that is the answer most articles agree on
)
# Signals of one thing in quote [1] that may be the answer, for the fitted mark model
# (ranker.json "mark"; agreement.answer_span): the words marked are the thing it gives the
# highest probability of being the answer, when that is at least its fitted threshold.
MARK_FEATURES = FeatureSet(
    "share",  # its share of the votes (count_votes)
    "top",  # 1 when it is the answer most articles agree on
    "fit",  # how closely it fills the question's slot (entities.slot_fits)
    "exact_kind",  # of the asked kind itself (not a number standing for an amount)
    "asked_kind",  # the question asks for a kind of thing at all
    "position",  # where in the quote it starts, 0 to 1
    "rarity",  # -log of the share of the collection's sentences holding its rarest word
    "words",  # its length in words, at most 5
    "capitals",  # written in capitals (a dateline: "WASHINGTON —")
)
_NUMBER = re.compile(r"\d")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)*")
_RRF_K = 60


@dataclass(frozen=True)
class Weights:
    # Two sentence models over the same signals, each one weight per SENTENCE_FEATURES plus
    # bias last. `sentence` (fitted on dev questions) scores the evidence the answer model
    # reads; `order` (the same plus synthetic questions, benchmarks/synthetic.py) orders the
    # quotes. More training data orders better, but it moves the scores the abstention
    # threshold was fitted on; kept apart, the refusals stay as fitted.
    sentence: np.ndarray
    order: np.ndarray
    question: np.ndarray  # one weight per QUESTION_FEATURES, plus bias last
    threshold: float  # answer when the question model's probability is at least this
    undated: float  # recency feature of an article without a date in a dated collection
    question_undated: np.ndarray  # the question model for a collection without dates
    threshold_undated: float
    reader: np.ndarray | None = None  # one weight per READER_FEATURES plus bias; None: off
    # Quotes after the first are added while their probability is at least this share of
    # the first one's (fitted): as many as the evidence supports.
    keep_ratio: float = 0.0
    # Below this best-passage cosine nothing is close enough to answer from, whatever the
    # answer model says: the lowest 1% of answerable training questions' (fitted), unless
    # the question's own words are there (`is_close`).
    min_passage: float = 0.0
    # The mark model (one weight per MARK_FEATURES plus bias; None: no words marked) and the
    # probability a thing in quote [1] needs to be marked as its answer.
    mark: np.ndarray | None = None
    mark_threshold: float = 0.5

    @property
    def reads_alone(self) -> bool:
        """Does the reader weigh the own-sentence cosine? If not, it is not computed: it costs
        an embedding of every sentence read (about 40-130 ms a question on 2 cores)."""
        if self.reader is None:
            return False
        return any(READER_FEATURES.col(self.reader[:-1], f) != 0 for f in ("alone", "alone_gap"))

    def answer_model(self, dated: bool) -> tuple[np.ndarray, float]:
        """(question weights, threshold) for a collection with or without article dates."""
        if dated:
            return self.question, self.threshold
        return self.question_undated, self.threshold_undated


@lru_cache(maxsize=1)
def load_weights() -> Weights:
    data = json.loads(resources.files("askbrief.ask").joinpath("ranker.json").read_text("utf-8"))

    def row(part: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
        # a signal the file does not weigh (fitted before it existed) counts for nothing
        return np.array([part.get(f, 0.0) for f in names] + [part["bias"]])

    return Weights(
        row(data["sentence"], SENTENCE_FEATURES),
        row(data.get("order", data["sentence"]), SENTENCE_FEATURES),
        row(data["question"], QUESTION_FEATURES),
        float(data["threshold"]),
        float(data["undated"]),
        row(data["question_undated"], QUESTION_FEATURES),
        float(data["threshold_undated"]),
        row(data["reader"], READER_FEATURES) if "reader" in data else None,
        float(data.get("keep_ratio", 0.0)),
        float(data.get("min_passage", 0.0)),
        row(data["mark"], MARK_FEATURES) if "mark" in data else None,
        float(data.get("mark_threshold", 0.5)),
    )


def novelty(question: str, sentence: str) -> float:
    """Names and numbers the sentence adds to the question: an answer brings something new."""
    asked = term_set(question)
    found = _NAME.findall(sentence) + re.findall(r"\d[\d,.]*", sentence)
    if not found:
        return 0.0
    new = [f for f in found if not term_set(f) <= asked]
    return len(new) / len(found)


def coverage(idf: dict[str, float], found: AbstractSet[str]) -> float:
    """Idf-weighted share of the question's terms among `found`: matching a rare name counts
    for much more than matching 'president'."""
    total = sum(idf.values())
    return sum(w for t, w in idf.items() if t in found) / total if total else 0.0


def names(text: str) -> set[str]:
    """Stemmed words of capitalised names in a question, first word excepted."""
    return set(terms(" ".join(name_spans(text))))


def name_spans(text: str) -> list[str]:
    """Capitalised names in a question as written ("MV Aurelia", "Kestrel Bay"), first word
    and words after a sentence's end excepted."""
    return _NAME.findall(text)


def rrf(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / (_RRF_K + rank)


def sentence_scores(features: np.ndarray, weights: Weights) -> np.ndarray:
    """Evidence scores: what the answer model's signals are read from."""
    return features @ weights.sentence[:-1] + weights.sentence[-1]


def order_scores(features: np.ndarray, weights: Weights) -> np.ndarray:
    """The scores quotes are chosen and ranked by."""
    return features @ weights.order[:-1] + weights.order[-1]


def reader_probabilities(features: np.ndarray, weights: Weights) -> np.ndarray | None:
    """The reader's probability that each sentence read holds the answer (None: no reader)."""
    if weights.reader is None or not len(features):
        return None
    z = features @ weights.reader[:-1] + weights.reader[-1]
    return 1.0 / (1.0 + np.exp(-z))


def read_positions(order: np.ndarray) -> list[int]:
    """The candidates the reader reads: the first stage's best READER_DEPTH, best first."""
    return [int(i) for i in np.argsort(-order, kind="stable")[:READER_DEPTH]]


def reader_features(
    order: np.ndarray,
    positions: list[int],
    alone: np.ndarray,
    opening: list[bool],
    slot: list[float],
    features: np.ndarray,
    agreed: Sequence[tuple[float, float]] | None = None,
) -> np.ndarray:
    """READER_FEATURES of the candidates at `positions` (best first): `alone` holds their
    cosines to the question when embedded on their own, `opening` whether each is its
    article's first sentence, `slot` how closely each fills the question's slot, `agreed`
    (agreement.sentence_agreement) how many articles agree with the answer each names;
    `order` and `features` cover all candidates."""
    first = {f: SENTENCE_FEATURES.col(features, f) for f in FIRST_STAGE_SIGNALS}
    agreed = agreed if agreed is not None else [(0.0, 0.0)] * len(positions)
    rows = [
        READER_FEATURES.row(
            order=order[i],
            order_gap=order[i] - order[positions[0]],
            alone=float(a),
            alone_gap=float(a - alone.max()),
            rank=1.0 / (1.0 + rank),
            opening=float(opens),
            slot=fit,
            **{f: float(col[i]) for f, col in first.items()},
            agreed=share,
            agreed_top=top,
        )
        for rank, (i, a, opens, fit, (share, top)) in enumerate(
            zip(positions, alone, opening, slot, agreed, strict=True)
        )
    ]
    return READER_FEATURES.matrix(rows)


def answer_probability(features: np.ndarray, weights: np.ndarray) -> float:
    z = float(features @ weights[:-1] + weights[-1])
    return 1.0 / (1.0 + math.exp(-z))


def is_close(question: np.ndarray, min_passage: float) -> np.ndarray:
    """Is anything close enough to answer from (per row of QUESTION_FEATURES)? A best
    passage at least `min_passage` alike, or one sentence with its neighbours holding
    FULL_COVER of the question's words: the small model can miss a plain match ("What did
    the harbour guild repaint?" against "...repainted ... by volunteers from the harbour
    guild": cosine 0.23), and words in common are evidence too."""
    top_passage = QUESTION_FEATURES.col(question, "top_passage")
    best_cover = QUESTION_FEATURES.col(question, "best_cover")
    return (top_passage >= min_passage) | (best_cover >= FULL_COVER)


# A question's time words are a strong prior: a sentence from an article dated outside the
# window it names keeps this share of the reader's probability (docs/quality.md, "Questions
# about time"), so articles of the asked-for week lead unless the others are far better.
WINDOW_PRIOR = 0.3


def window_prior(
    probs: np.ndarray,
    reader: np.ndarray,
    factor: float = WINDOW_PRIOR,
    told: Sequence[bool] | None = None,
) -> np.ndarray:
    """The reader's probabilities with the window's prior applied (`reader`: the sentences'
    READER_FEATURES): outside the window (in_window 0) times `factor`; the rest unchanged.
    `told`: sentences that name a year of the window themselves (timeframe.tells_of), whose
    article's date does not matter: a 2026 report of "floods in 2024" answers "in 2024"."""
    if not len(probs):
        return probs
    outside = READER_FEATURES.col(reader, "in_window") == 0.0
    if told is not None:
        outside &= ~np.asarray(told, dtype=bool)
    return np.where(outside, probs * factor, probs)
