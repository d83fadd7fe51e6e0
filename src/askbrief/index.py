"""The query side: an open index that answers questions. `open_index(path).ask(q)`."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .answer import NOT_ANSWERED, Candidate, assemble, is_quotable, lexical_overlap, select
from .config import Settings
from .embedding import Embedder
from .errors import AskbriefError
from .records import Answer, Article
from .store import Store, current_generation
from .text import terms

MAX_QUESTION_CHARS = 2000
QUOTE_PASSAGES = 8  # sentences are drawn from this many of the best passages


class Index:
    """Thread-safe; re-opens the store when a build publishes a new generation."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or Embedder()
        self._lock = threading.Lock()
        self._store = Store(settings.index_dir)

    @property
    def store(self) -> Store:
        with self._lock:
            gen = current_generation(self.settings.index_dir)
            if gen is not None and gen != self._store.generation and gen.is_dir():
                self._store = Store(self.settings.index_dir)
            return self._store

    def stats(self) -> dict[str, Any]:
        m = self.store.manifest
        keys = (
            "articles",
            "passages",
            "sentences",
            "model",
            "built_at",
            "max_tokens",
            "overlap_sentences",
        )
        return {"index": str(self.settings.index_dir), **{k: m.get(k) for k in keys}}

    def article(self, article_id: str) -> Article:
        found = self.store.article(article_id)
        if found is None:
            raise AskbriefError(f"no article {article_id!r} in the index; see `askbrief stats`")
        return found

    def ask(
        self,
        question: str,
        *,
        history: Sequence[str] = (),
        max_quotes: int | None = None,
        top_k: int | None = None,
    ) -> Answer:
        """Answer from verbatim quotes; `history` holds earlier questions of a conversation."""
        question = clean_question(question)
        max_quotes = self.settings.max_quotes if max_quotes is None else max_quotes
        top_k = self.settings.top_k if top_k is None else top_k
        if max_quotes < 1 or top_k < 1:
            raise AskbriefError("max quotes and top-k must be at least 1")
        store = self.store
        qvec, qterms = self._query(question, history)
        pids, scores = store.search(qvec, top_k)
        if len(pids) == 0:
            return Answer(question, False, (), (), NOT_ANSWERED)
        candidates = self._candidates(store, qvec, qterms, pids, scores)
        best = max((c.score for c in candidates), default=0.0)
        chosen = select(candidates, max_quotes, self.settings.min_confidence)
        articles = {c.article_id: store.article(c.article_id) for c in chosen}
        return assemble(question, chosen, articles, best)  # type: ignore[arg-type]

    def _query(self, question: str, history: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """A follow-up ('what did he say about France?') borrows the previous question's
        meaning: its vector is blended in at half weight and its terms are added."""
        texts = [question] + [h for h in history[-1:] if h.strip()]
        vecs = self.embedder.embed(texts)
        qvec = vecs[0] + 0.5 * vecs[1:].sum(axis=0) if len(texts) > 1 else vecs[0]
        qvec = qvec / (np.linalg.norm(qvec) or 1.0)
        qterms = terms(" ".join(texts))
        return qvec.astype(np.float32), qterms

    def _candidates(self, store, qvec, qterms, pids, scores) -> list[Candidate]:  # type: ignore[no-untyped-def]
        rows = store.passages([int(p) for p in pids[:QUOTE_PASSAGES]])
        best_passage: dict[tuple[str, int], float] = {}
        spans: dict[tuple[str, int], tuple[int, int]] = {}
        texts: dict[str, str] = {}
        for pid, score in zip(pids[:QUOTE_PASSAGES], scores[:QUOTE_PASSAGES], strict=True):
            row = rows.get(int(pid))
            if row is None:
                continue
            if row.article_id not in texts:
                texts[row.article_id] = store.article(row.article_id).text
            # one sentence either side too: a quote often names its subject in a neighbour
            for idx, span in store.sentences(row.article_id, row.first - 1, row.last + 1):
                key = (row.article_id, idx)
                if row.first <= idx <= row.last:
                    best_passage[key] = max(best_passage.get(key, -1.0), float(score))
                spans[key] = (span.start, span.end)

        def text_of(key: tuple[str, int]) -> str:
            return texts[key[0]][spans[key][0] : spans[key][1]]

        keys = [k for k in best_passage if is_quotable(text_of(k))]
        if not keys:
            return []
        sent_texts = [text_of(k) for k in keys]
        dense = self.embedder.embed(sent_texts) @ qvec
        out = []
        for key, text, d in zip(keys, sent_texts, dense, strict=True):
            a, i = key
            context = " ".join(text_of((a, j)) for j in (i - 1, i + 1) if (a, j) in spans)
            out.append(
                Candidate(
                    a,
                    i,
                    spans[key][0],
                    spans[key][1],
                    text,
                    float(d),
                    best_passage[key],
                    lexical_overlap(qterms, text, context),
                )
            )
        return out


def clean_question(question: str) -> str:
    """Control characters out, white space collapsed; refuse empty and overlong questions."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise AskbriefError('the question is empty; ask something, e.g. askbrief query "Who …?"')
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise AskbriefError(
            f"the question is {len(cleaned)} characters long; keep it under {MAX_QUESTION_CHARS}"
        )
    return cleaned


def open_index(
    path: str | Path | None = None, *, embedder: Embedder | None = None, **overrides: Any
) -> Index:
    """Open the index at `path` (default: ASKBRIEF_INDEX_DIR or ./index) for questions."""
    return Index(Settings.load(index_dir=path, **overrides), embedder)
