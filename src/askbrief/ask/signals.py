"""The question-level signals the answer model reads (ranking.QUESTION_FEATURES) and the
helpers behind them: how much of the question the best sentences and articles cover, how
many articles the best sentences come from, whether dense and keyword search agree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from askbrief.ask.ranking import FULL_COVER, SPREAD_TOP, coverage, names
from askbrief.records import Candidate
from askbrief.store.base import ReadStore
from askbrief.text import term_set, terms


def covers_known(idf: dict[str, float], dfs: dict[str, int], cands: Sequence[Candidate]) -> bool:
    """Does one sentence (with its neighbours) hold FULL_COVER of the question's words that
    the articles use at all? A word no article has cannot be matched, so it does not count
    against the sentence."""
    known = {t: w for t, w in idf.items() if dfs[t] > 0}
    if not known:
        return False
    return max(coverage(known, term_set(c.text) | term_set(c.context)) for c in cands) >= FULL_COVER


def name_cover(question: str, best: list[Candidate]) -> float:
    """Off-topic questions name people and things the best sentences never mention."""
    wanted = names(question)
    if not wanted:
        return 1.0
    found = set(terms(" ".join(c.text + " " + c.context for c in best)))
    return len(wanted & found) / len(wanted)


def article_cover(store: ReadStore, idf: dict[str, float], articles: set[str]) -> dict[str, float]:
    """Idf-weighted share of the question's terms that occur anywhere in each article."""
    total = sum(idf.values()) or 1.0
    holding = store.articles_holding(list(idf), articles)
    return {a: sum(w for t, w in idf.items() if a in holding.get(t, ())) / total for a in articles}


def idf_of(df: int, n_docs: int) -> float:
    """BM25 idf over all sentences; a word the articles never use gets the highest idf, as
    if it occurred in half a sentence."""
    n = max(1, n_docs)
    return float(np.log((n - df + 0.5) / (df + 0.5) + 1.0))


def spread(cands: Sequence[Any], scores: np.ndarray) -> float:
    """Distinct articles among the SPREAD_TOP best-scored candidates, as a share of them."""
    top = np.argsort(-scores)[:SPREAD_TOP]
    return len({cands[i].article_id for i in top}) / max(1, len(top))


def list_agreement(store: ReadStore, dsids: np.ndarray, ksids: np.ndarray) -> float:
    """How much the articles of the 10 best sentences by dense and by keyword search overlap."""
    rows = store.sentence_rows([int(s) for s in list(dsids[:10]) + list(ksids[:10])])
    dense_articles = {rows[int(s)].article_id for s in dsids[:10] if int(s) in rows}
    key_articles = {rows[int(s)].article_id for s in ksids[:10] if int(s) in rows}
    if not dense_articles or not key_articles:
        return 0.0
    return len(dense_articles & key_articles) / len(dense_articles | key_articles)
