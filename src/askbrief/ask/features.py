"""Stage 2 of a question: each candidate's signals (ranking.SENTENCE_FEATURES) and the
first-stage order the fitted ranker gives them."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from askbrief.ask.asking import Asking
from askbrief.ask.candidates import holds
from askbrief.ask.ranking import (
    SENTENCE_FEATURES,
    Weights,
    coverage,
    novelty,
    order_scores,
    rrf,
    sentence_scores,
)
from askbrief.ask.retrieve import Retrieved
from askbrief.ask.signals import article_cover, idf_of
from askbrief.records import Candidate
from askbrief.text import term_set


@dataclass(frozen=True)
class Ranked:
    """The candidates with their signals and first-stage scores."""

    candidates: list[Candidate]  # scored by the first stage's order
    features: np.ndarray  # (n, len(SENTENCE_FEATURES))
    scores: np.ndarray  # the fitted sentence score
    order: np.ndarray  # the first stage's ordering score
    idf: dict[str, float]  # the question's words' idf
    dfs: dict[str, int]  # how many sentences hold each question word
    fresh: dict[str, float]  # each candidate article's recency


def rank(asking: Asking, found: Retrieved, weights: Weights) -> Ranked:
    store = asking.store
    cands = found.candidates
    qset = list(dict.fromkeys(asking.search_terms))
    dfs, n_docs = store.term_counts(qset)
    idf = {t: idf_of(dfs[t], n_docs) for t in qset}
    dense = store.sentence_vectors([c.sid for c in cands]) @ asking.vector
    drank = {int(s): r for r, s in enumerate(found.dense_sids)}
    krank = {int(s): r for r, s in enumerate(found.keyword_sids)}
    kscore = {
        int(s): float(v) for s, v in zip(found.keyword_sids, found.keyword_scores, strict=True)
    }
    kmax = max(kscore.values(), default=1.0) or 1.0
    if asking.kinds:  # type_match below asks for each candidate's entities
        asking.preload_entities(cands)
    articles = {c.article_id for c in cands}
    covered = article_cover(store, idf, articles)
    fresh = {a: asking.recency(a, weights.undated) for a in articles}
    full_q = asking.with_context
    rows = []
    for c, d in zip(cands, dense, strict=True):
        own = term_set(c.text)
        own_cov = coverage(idf, own)
        rows.append(
            SENTENCE_FEATURES.row(
                dense=float(d),
                passage=c.passage,
                keyword=kscore.get(c.sid, 0.0) / kmax,
                fused=rrf(drank.get(c.sid)) + rrf(krank.get(c.sid)) + rrf(c.passage_rank),
                lex_own=own_cov,
                lex_near=coverage(idf, own | term_set(c.context)) - own_cov,
                article=found.article_score.get(c.article_id, 0.0),
                article_cover=covered[c.article_id],
                lead=1.0 / (1.0 + c.idx),
                novel=novelty(full_q, c.text),
                type_match=float(bool(asking.kinds) and holds(asking, c)),
                length=float(np.log1p(len(c.text))),
                recency=fresh[c.article_id],
                in_window=asking.window_fit(c.article_id),
            )
        )
    feats = SENTENCE_FEATURES.matrix(rows)
    order = order_scores(feats, weights)
    scored = [replace(c, score=float(s)) for c, s in zip(cands, order, strict=True)]
    return Ranked(scored, feats, sentence_scores(feats, weights), order, idf, dfs, fresh)
