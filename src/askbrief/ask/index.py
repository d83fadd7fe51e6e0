"""The query side: an open index that answers questions. `open_index(path).ask(q)`."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from askbrief.ask.agreement import Votes, answer_span, mark_candidates
from askbrief.ask.answer import (
    NOT_ANSWERED,
    assemble,
    cite,
    follow_up,
    join_touching,
    nearest_read,
    select,
    widen,
)
from askbrief.ask.asking import Asking
from askbrief.ask.briefing import is_briefing, leads
from askbrief.ask.decide import Scored, decide
from askbrief.ask.disagreement import differing_claims
from askbrief.ask.features import rank
from askbrief.ask.ranking import load_weights
from askbrief.ask.reader import read
from askbrief.ask.retrieve import retrieve
from askbrief.ask.timeframe import explicit, resolve
from askbrief.config import Settings
from askbrief.dates import parse_date
from askbrief.errors import AskbriefError
from askbrief.ingest.embedding import Embedder
from askbrief.ingest.entities import in_span
from askbrief.records import Answer, Article, Window
from askbrief.store.base import ReadStore, open_store
from askbrief.text import depends_on_context, term_set, terms

MAX_QUESTION_CHARS = 2000
ALONE_CACHE = 50_000  # sentences whose own vectors are kept between questions (~80 MB)


class Index:
    """Thread-safe; re-opens the store when a build publishes a new generation."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or Embedder()
        self.embedder.warm_up()  # the model loads while the store opens
        self._lock = threading.Lock()
        self._store = open_store(settings)
        self._alone: OrderedDict[str, np.ndarray] = OrderedDict()  # sentence -> own vector
        self._alone_lock = threading.Lock()

    @property
    def store(self) -> ReadStore:
        with self._lock:
            if self._store.stale():
                # a broken new version: keep answering from the one we have
                with contextlib.suppress(AskbriefError):
                    self._store = open_store(self.settings)
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
            "newest_article",
        )
        return {"index": self.settings.location.shown, **{k: m.get(k) for k in keys}}

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
        since: date | None = None,
        until: date | None = None,
        as_of: date | None = None,
    ) -> Answer:
        """Answer from verbatim quotes; `history` holds earlier questions of a conversation.

        An earlier question helps only a question that leans on it ("what did he say about
        France?"): it helps choose the quotes, and may decide to answer once the question
        passes its own checks (something close, on its subject); a question those checks
        refuse stays refused, and one that stands on its own is answered exactly as if it
        were asked first.

        Time: `since`/`until` keep the answer to articles dated between them; else the
        question's own time words ("this week", "since Monday", "latest") name a window,
        resolved against `as_of` or, by default, the newest article's date. Undated
        articles always stay in; the answer says which window it used."""
        question = clean_question(question)
        max_quotes = self.settings.max_quotes if max_quotes is None else max_quotes
        if max_quotes < 1:
            raise AskbriefError("max quotes must be at least 1")
        store = self.store
        now = as_of or self.settings.as_of or collection_now(store)
        window = explicit(since, until) or (resolve(question, now) if now else None)
        if is_briefing(question):
            return self.brief(question, window, max_quotes, store)
        scored = self.score(question, top_k=top_k, store=store, window=window, now=now)
        earlier = [h for h in history if h.strip()]
        with_context = None
        if earlier and depends_on_context(question):
            with_context = self.score(
                question, history=earlier, top_k=top_k, store=store, window=window, now=now,
                reads=scored.asking,
            )  # fmt: skip
        threshold = self.threshold(store)
        # A question that leans on an earlier one ("What did he call a ceasefire?") reads
        # weakly on its own; once it passes its own checks (something close, on its subject:
        # a probability above 0), the earlier question may make it clear enough. A question
        # those checks refuse stays refused after any earlier one.
        confidence = scored.probability
        if confidence < threshold and with_context is not None and confidence > 0.0:
            confidence = with_context.probability
        if confidence < threshold:
            if window is not None and window.strict:
                # the dates given held nothing that answers: say that, not why the
                # articles inside them fall short
                scored = replace(scored, reason="outside-window", missing=())
            return self.refuse(question, scored, store)
        if with_context is not None:
            # a follow-up keeps its own subject: the earlier question helps choose among the
            # sentences that answer this one, and adds none
            scored = replace(
                with_context,
                probability=confidence,
                answers=follow_up(with_context.answers, scored.answers),
            )
        return self.quote(question, scored, max_quotes, store)

    def quote(
        self, question: str, scored: Scored, max_quotes: int, store: ReadStore | None = None
    ) -> Answer:
        """The answer `ask` gives once it has decided to answer: the reader's best quotes, as
        many as the evidence supports up to `max_quotes`, near-duplicates dropped, widened
        within settings.answer_chars, best first."""
        store = store or self.store
        # what the question read already, read once more only for a question scored elsewhere
        reads = scored.asking or self._reads(question, store, scored.window)
        # nothing on the question's subject yet answered: only when told to answer every
        # question (a min_confidence of 0 or less); then the reader's best stand
        candidates = scored.answers or scored.read
        chosen = select(candidates, max_quotes, load_weights().keep_ratio, reads.text)
        found = {c.article_id: reads.article(c.article_id) for c in chosen}
        articles = {a: article for a, article in found.items() if article is not None}
        asked = term_set(question)
        chosen = widen(chosen, articles, self.settings.answer_chars, asked)
        chosen = join_touching(chosen, reads.text)
        answer = assemble(question, chosen, articles, scored.probability, self.settings.public_url)
        differ = differing_claims(question, answer.quotes, articles, reads.entities)
        marked = self._mark(answer, scored.votes, reads, store)
        return replace(answer, window=scored.window, differ=differ, answer_span=marked)

    def _mark(
        self, answer: Answer, votes: Votes, reads: Asking, store: ReadStore
    ) -> tuple[int, int] | None:
        """The words of quote [1] that answer (agreement.answer_span), if the fitted mark
        model finds a clear one."""
        weights = load_weights()
        if not answer.quotes or weights.mark is None:
            return None
        first = answer.quotes[0]
        text = reads.text(first.article_id)
        ents = in_span(reads.entities(first.article_id), first.start, first.end)
        found, feats = mark_candidates(
            votes, reads.kinds, reads.asked, text, ents, first.start, first.end,
            store.term_counts,
        )  # fmt: skip
        return answer_span(found, feats, weights.mark, weights.mark_threshold, text)

    def _reads(self, question: str, store: ReadStore, window: Window | None) -> Asking:
        """A question's reads without its search: for quoting a Scored made without them."""
        return Asking(question, (), store, window, None, np.zeros(0, np.float32), [])

    def brief(
        self, question: str, window: Window | None, max_quotes: int, store: ReadStore
    ) -> Answer:
        """A question about no subject, only the news of a time ("What is the latest
        news?"): the opening sentences of the newest articles in its window, newest first."""
        chosen = leads(store, window, max_quotes)
        if not chosen:  # no dated article (in the window): nothing can be called the latest
            reason = "outside-window" if window is not None else "undated"
            return self.refuse(question, Scored.empty(reason, window), store)
        articles = store.articles([c.article_id for c in chosen])
        answer = assemble(question, chosen, articles, 1.0, self.settings.public_url)
        return replace(answer, window=window)

    def refuse(self, question: str, scored: Scored, store: ReadStore | None = None) -> Answer:
        """A refusal that says why, with the nearest sentence as "closest, not an answer"."""
        store = store or self.store
        reads = scored.asking or self._reads(question, store, scored.window)
        closest = None
        best = nearest_read(scored.read)
        if best is not None:
            article = reads.article(best.article_id)
            if article is not None:
                closest = cite(
                    1, article, best.start, best.end, best.score, self.settings.public_url
                )
        return Answer(
            question,
            False,
            (),
            (),
            NOT_ANSWERED,
            scored.probability,
            reason=scored.reason or "nothing-close",
            closest=closest,
            window=scored.window,
            missing=scored.missing,
        )

    def threshold(self, store: ReadStore | None = None) -> float:
        """Answer at this confidence or above: the settings' min_confidence, else the fitted
        threshold of the answer model this collection uses (dated or not)."""
        if self.settings.min_confidence is not None:
            return float(self.settings.min_confidence)
        dated = collection_now(store or self.store) is not None
        return load_weights().answer_model(dated)[1]

    def score(
        self,
        question: str,
        *,
        history: Sequence[str] = (),
        top_k: int | None = None,
        store: ReadStore | None = None,
        window: Window | None = None,
        now: date | None = None,
        reads: Asking | None = None,
    ) -> Scored:
        """Retrieve candidates, rank them, read the best and decide how likely they answer;
        no abstention yet. Only articles inside `window` (or undated) are candidates; `now`
        is the date recency is measured from (default: the newest article's). `reads`: an
        Asking of the same question whose store reads to share."""
        store = store or self.store
        top_k = self.settings.top_k if top_k is None else top_k
        if top_k < 1:
            raise AskbriefError("top-k must be at least 1")
        vector, words = self._query(question, history)
        now = now or collection_now(store)
        asking = Asking(question, tuple(history), store, window, now, vector, words)
        if reads is not None:
            asking.share_reads(reads)
        found = retrieve(asking, top_k)
        if not found.candidates:
            strict = window is not None and window.strict
            return Scored.empty("outside-window" if strict else "", window)
        weights = load_weights()
        ranked = rank(asking, found, weights)
        reading = read(asking, ranked, weights, self.alone_vectors)
        return decide(asking, found, ranked, reading, weights)

    def alone_vectors(self, texts: list[str]) -> np.ndarray:
        """Each sentence embedded on its own; kept between questions, since the best
        sentences of related questions recur."""
        with self._alone_lock:
            known = {t: self._alone[t] for t in texts if t in self._alone}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, self.embedder.embed(missing), strict=True))
            with self._alone_lock:
                self._alone.update((t, known[t]) for t in missing)
                while len(self._alone) > ALONE_CACHE:
                    self._alone.popitem(last=False)
        return np.array([known[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)

    def question_vector(self, question: str) -> np.ndarray:
        """The question's unit vector as dense search sees it: for evaluation and fitting."""
        return self._query(question, ())[0]

    def _query(self, question: str, history: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """A follow-up ('what did he say about France?') borrows the previous question's
        meaning: its vector is blended in at half weight and its terms are added."""
        texts = [question] + [h for h in history[-1:] if h.strip()]
        vecs = self.embedder.embed(texts)
        qvec = vecs[0] + 0.5 * vecs[1:].sum(axis=0) if len(texts) > 1 else vecs[0]
        qvec = qvec / (np.linalg.norm(qvec) or 1.0)
        return qvec.astype(np.float32), terms(" ".join(texts))


def collection_now(store: ReadStore) -> date | None:
    """The newest article's date, recorded at build time; None for an undated collection."""
    return _newest(str(store.manifest.get("newest_article") or ""))


@functools.lru_cache(maxsize=8)
def _newest(recorded: str) -> date | None:
    """Parsed once per index version, not on every question."""
    return parse_date(recorded)


def clean_question(question: str) -> str:
    """Control characters out, white space collapsed; refuse empty and overlong questions."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise AskbriefError("the question is empty; ask something")
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
