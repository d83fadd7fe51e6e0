"""Scoring candidate sentences and deciding whether to answer at all.

Both are small linear models over cheap signals. Their weights live in `ranker.json`,
fitted on the dev evaluation set with cross-validation by `benchmarks/fit_ranker.py`
(README, "Answer quality"); the signals are computed from the question and the articles only.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .text import terms

SENTENCE_FEATURES = (
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
)
RECENCY = SENTENCE_FEATURES.index("recency")
QUESTION_FEATURES = (
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
)
SPREAD_TOP = 10

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

    def answer_model(self, dated: bool) -> tuple[np.ndarray, float]:
        """(question weights, threshold) for a collection with or without article dates."""
        if dated:
            return self.question, self.threshold
        return self.question_undated, self.threshold_undated


@lru_cache(maxsize=1)
def load_weights() -> Weights:
    data = json.loads(resources.files("askbrief").joinpath("ranker.json").read_text("utf-8"))

    def row(part: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
        return np.array([part[f] for f in names] + [part["bias"]])

    return Weights(
        row(data["sentence"], SENTENCE_FEATURES),
        row(data.get("order", data["sentence"]), SENTENCE_FEATURES),
        row(data["question"], QUESTION_FEATURES),
        float(data["threshold"]),
        float(data["undated"]),
        row(data["question_undated"], QUESTION_FEATURES),
        float(data["threshold_undated"]),
    )


def novelty(question: str, sentence: str) -> float:
    """Names and numbers the sentence adds to the question: an answer brings something new."""
    asked = set(terms(question))
    found = _NAME.findall(sentence) + re.findall(r"\d[\d,.]*", sentence)
    if not found:
        return 0.0
    new = [f for f in found if not set(terms(f)) <= asked]
    return len(new) / len(found)


def coverage(idf: dict[str, float], found: set[str]) -> float:
    """Idf-weighted share of the question's terms among `found`: matching a rare name counts
    for much more than matching 'president'."""
    total = sum(idf.values())
    return sum(w for t, w in idf.items() if t in found) / total if total else 0.0


def names(text: str) -> set[str]:
    """Stemmed words of capitalised names in a question, first word excepted."""
    found = _NAME.findall(text)
    return set(terms(" ".join(found)))


def rrf(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / (_RRF_K + rank)


def sentence_scores(features: np.ndarray, weights: Weights) -> np.ndarray:
    """Evidence scores: what the answer model's signals are read from."""
    return features @ weights.sentence[:-1] + weights.sentence[-1]


def order_scores(features: np.ndarray, weights: Weights) -> np.ndarray:
    """The scores quotes are chosen and ranked by."""
    return features @ weights.order[:-1] + weights.order[-1]


def answer_probability(features: np.ndarray, weights: np.ndarray) -> float:
    z = float(features @ weights[:-1] + weights[-1])
    return 1.0 / (1.0 + math.exp(-z))
