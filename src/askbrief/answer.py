"""Choose the verbatim sentences that answer a question, and assemble the cited Answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .records import Answer, Article, Quote, Source
from .text import normalize, terms

NOT_ANSWERED = "The articles don't answer this."
MIN_QUOTE_WORDS = 4


@dataclass(frozen=True)
class Candidate:
    article_id: str
    idx: int  # sentence number within the article
    start: int
    end: int
    text: str
    dense: float  # cosine of question and sentence
    passage: float  # best cosine of question and a passage holding the sentence
    lexical: float  # share of the question's content terms found in the sentence

    @property
    def score(self) -> float:
        return 0.5 * self.dense + 0.3 * self.passage + 0.2 * self.lexical


def lexical_overlap(question_terms: Sequence[str], sentence: str, context: str = "") -> float:
    """Share of the question's terms in the sentence; a term only in a neighbouring
    sentence counts half (it often names who or what the sentence is about)."""
    wanted = set(question_terms)
    if not wanted:
        return 0.0
    own = wanted & set(terms(sentence))
    near = (wanted - own) & set(terms(context)) if context else set()
    return (len(own) + 0.5 * len(near)) / len(wanted)


def is_quotable(text: str) -> bool:
    """Skip fragments (bylines, 'Share this', menu items) that answer nothing on their own."""
    return len(text.split()) >= MIN_QUOTE_WORDS and any(c.isalpha() for c in text)


def select(
    candidates: Sequence[Candidate], max_quotes: int, min_confidence: float
) -> list[Candidate]:
    """Best-scoring quotes above the threshold, near-duplicates dropped (syndicated copies)."""
    chosen: list[Candidate] = []
    seen: list[set[str]] = []
    for cand in sorted(candidates, key=lambda c: c.score, reverse=True):
        if len(chosen) >= max_quotes or cand.score < min_confidence:
            break
        words = set(normalize(cand.text).split())
        if any(_jaccard(words, other) >= 0.7 for other in seen):
            continue
        chosen.append(cand)
        seen.append(words)
    return chosen


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def assemble(
    question: str,
    chosen: Sequence[Candidate],
    articles: dict[str, Article],
    confidence: float,
) -> Answer:
    """Order quotes for reading: articles by their best quote, then document order within."""
    if not chosen:
        return Answer(question, False, (), (), NOT_ANSWERED, confidence)
    best_rank = {}
    for rank, cand in enumerate(chosen):
        best_rank.setdefault(cand.article_id, rank)
    ordered = sorted(chosen, key=lambda c: (best_rank[c.article_id], c.start))
    quotes: list[Quote] = []
    by_article: dict[str, list[int]] = {}
    for n, cand in enumerate(ordered, start=1):
        article = articles[cand.article_id]
        text = article.text[cand.start : cand.end]
        assert text == cand.text, "quote span does not match the article text"
        quotes.append(
            Quote(
                n,
                text,
                article.id,
                article.title,
                article.source_path,
                cand.start,
                cand.end,
                round(cand.score, 4),
            )
        )
        by_article.setdefault(article.id, []).append(n)
    sources = tuple(
        Source(ns[0], a.id, a.title, a.source_path, a.source, a.url, a.published, tuple(ns))
        for a, ns in ((articles[i], ns) for i, ns in by_article.items())
    )
    return Answer(question, True, tuple(quotes), sources, "", confidence)
