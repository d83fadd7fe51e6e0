"""Stage 1 of a question: candidates three ways (best passages, dense sentence search,
BM25 sentence search), kept to the question's window when it is strict."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from askbrief.ask.asking import Asking
from askbrief.ask.candidates import Pool
from askbrief.records import Candidate

QUOTE_PASSAGES = 15  # sentences of this many best passages are candidates
SENTENCE_HITS = 80  # plus this many best sentences by dense and by keyword search
WINDOW_DEPTH = 4  # with a time window, search this many times deeper: it drops some hits


@dataclass(frozen=True)
class Retrieved:
    """What the searches found: the candidates and the hit lists they came from."""

    candidates: list[Candidate]
    passage_scores: np.ndarray  # the best passages' scores, best first
    dense_sids: np.ndarray  # sentence ids by dense search, best first
    keyword_sids: np.ndarray  # sentence ids by BM25, best first
    keyword_scores: np.ndarray
    article_score: dict[str, float]  # each article's best passage score


def retrieve(asking: Asking, top_k: int) -> Retrieved:
    store = asking.store
    strict = asking.window is not None and asking.window.strict
    deeper = WINDOW_DEPTH if strict else 1  # room for what a strict window drops
    pids, pscores = store.search(asking.vector, max(top_k, QUOTE_PASSAGES) * deeper)
    dsids, _ = store.search_sentences(asking.vector, SENTENCE_HITS * deeper)
    ksids, kscores = store.search_keywords(asking.search_terms, SENTENCE_HITS * deeper)
    pool = Pool(asking)
    depth = len(pids) if strict else QUOTE_PASSAGES
    pool.add_passages(pids[:depth], pscores[:depth], QUOTE_PASSAGES)
    pool.add_sentences([int(s) for s in dsids] + [int(s) for s in ksids])
    pool.note_article_scores(pids, pscores)
    return Retrieved(pool.candidates(), pscores, dsids, ksids, kscores, pool.article_score)
