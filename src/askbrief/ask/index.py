"""The query side: an open index that answers questions. `open_index(path).ask(q)`."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from askbrief.ask.agreement import (
    Votes,
    answer_span,
    count_votes,
    mark_candidates,
    sentence_agreement,
)
from askbrief.ask.answer import (
    NOT_ANSWERED,
    Candidate,
    assemble,
    day_of,
    follow_up,
    join_touching,
    nearest_read,
    select,
    widen,
)
from askbrief.ask.briefing import is_briefing, leads
from askbrief.ask.candidates import Cand, Pool
from askbrief.ask.disagreement import differing_claims
from askbrief.ask.focus import keep_on_subject
from askbrief.ask.ranking import (
    QUESTION_FEATURES,
    READER_FEATURES,
    SENTENCE_FEATURES,
    SPREAD_TOP,
    Weights,
    answer_probability,
    coverage,
    is_close,
    load_weights,
    names,
    novelty,
    order_scores,
    read_positions,
    reader_features,
    reader_probabilities,
    rrf,
    sentence_scores,
    window_prior,
)
from askbrief.ask.signals import (
    article_cover,
    covers_known,
    idf_of,
    list_agreement,
    name_cover,
    spread,
)
from askbrief.ask.timeframe import Window, explicit, resolve, tells_of, years_unmatched
from askbrief.config import Settings
from askbrief.dates import parse_date
from askbrief.errors import AskbriefError
from askbrief.ingest.embedding import Embedder
from askbrief.ingest.entities import in_span, wanted
from askbrief.records import Answer, Article, Quote
from askbrief.store.base import ReadStore, open_store
from askbrief.text import depends_on_context, term_set, terms

MAX_QUESTION_CHARS = 2000
QUOTE_PASSAGES = 15  # sentences of this many best passages are candidates
SENTENCE_HITS = 80  # plus this many best sentences by dense and by keyword search
WINDOW_DEPTH = 4  # with a time window, search this many times deeper: it drops some hits
ALONE_CACHE = 50_000  # sentences whose own vectors are kept between questions (~80 MB)
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
    # (`_covers_known`): close, whatever the best passage's cosine.
    close_by_words: bool = False
    # The answers of the asked kind the best sentences name, counted across articles.
    votes: Votes = field(default_factory=Votes)

    @classmethod
    def empty(cls, reason: str, window: Window | None) -> Scored:
        """Nothing to read: no candidates, a refusal for `reason`."""
        none = np.zeros((0, len(SENTENCE_FEATURES)))
        return cls([], none, np.zeros(len(QUESTION_FEATURES)), 0.0, reason=reason, window=window)


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
        now = as_of or _collection_now(store)
        window = explicit(since, until) or (resolve(question, now) if now else None)
        if is_briefing(question):
            return self.brief(question, window, max_quotes, store)
        scored = self.score(question, top_k=top_k, store=store, window=window, now=now)
        earlier = [h for h in history if h.strip()]
        with_context = None
        if earlier and depends_on_context(question):
            with_context = self.score(
                question, history=earlier, top_k=top_k, store=store, window=window, now=now
            )
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
        article = functools.cache(store.article)  # each article read once per answer

        def text_of(article_id: str) -> str:
            found = article(article_id)
            return found.text if found else ""

        # nothing on the question's subject yet answered: only when told to answer every
        # question (a min_confidence of 0 or less); then the reader's best stand
        candidates = scored.answers or scored.read
        chosen = select(candidates, max_quotes, load_weights().keep_ratio, text_of)
        articles = {c.article_id: article(c.article_id) for c in chosen}
        asked = term_set(question)
        chosen = widen(chosen, articles, self.settings.answer_chars, asked)  # type: ignore[arg-type]
        chosen = join_touching(chosen, text_of)
        answer = assemble(question, chosen, articles, scored.probability)  # type: ignore[arg-type]
        differ = differing_claims(question, answer.quotes, articles, store.entities)  # type: ignore[arg-type]
        marked = self._mark(question, answer, scored.votes, text_of(answer.quotes[0].article_id)
                            if answer.quotes else "", store)  # fmt: skip
        return replace(answer, window=window_note(scored.window), differ=differ, answer_span=marked)

    def _mark(
        self, question: str, answer: Answer, votes: Votes, text: str, store: ReadStore
    ) -> tuple[int, int] | None:
        """The words of quote [1] that answer (agreement.answer_span), if the fitted mark
        model finds a clear one."""
        weights = load_weights()
        if not answer.quotes or weights.mark is None:
            return None
        first = answer.quotes[0]
        ents = in_span(store.entities(first.article_id), first.start, first.end)
        found, feats = mark_candidates(
            votes, wanted(question), set(terms(question)), text, ents, first.start, first.end,
            store.term_counts,
        )  # fmt: skip
        return answer_span(found, feats, weights.mark, weights.mark_threshold, text)

    def brief(
        self, question: str, window: Window | None, max_quotes: int, store: ReadStore
    ) -> Answer:
        """A question about no subject, only the news of a time ("What is the latest
        news?"): the opening sentences of the newest articles in its window, newest first."""
        chosen = leads(store, window, max_quotes)
        if not chosen:  # no dated article (in the window): nothing can be called the latest
            reason = "outside-window" if window is not None else "undated"
            return self.refuse(question, Scored.empty(reason, window), store)
        articles = {c.article_id: store.article(c.article_id) for c in chosen}
        answer = assemble(question, chosen, articles, 1.0)  # type: ignore[arg-type]
        return replace(answer, window=window_note(window))

    def refuse(self, question: str, scored: Scored, store: ReadStore | None = None) -> Answer:
        """A refusal that says why, with the nearest sentence as "closest, not an answer"."""
        store = store or self.store
        closest = None
        best = nearest_read(scored.read)
        if best is not None:
            article = store.article(best.article_id)
            if article is not None:
                closest = Quote(
                    1,
                    article.text[best.start : best.end],
                    article.id,
                    article.title,
                    article.source_path,
                    best.start,
                    best.end,
                    round(best.score, 4),
                    day_of(article),
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
            window=window_note(scored.window),
            missing=scored.missing,
        )

    def threshold(self, store: ReadStore | None = None) -> float:
        """Answer at this confidence or above: the settings' min_confidence, else the fitted
        threshold of the answer model this collection uses (dated or not)."""
        if self.settings.min_confidence is not None:
            return float(self.settings.min_confidence)
        dated = _collection_now(store or self.store) is not None
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
    ) -> Scored:
        """Retrieve candidates three ways and score them; no abstention decision yet. Only
        articles inside `window` (or undated) are candidates; `now` is the date recency is
        measured from (default: the newest article's)."""
        store = store or self.store
        top_k = self.settings.top_k if top_k is None else top_k
        if top_k < 1:
            raise AskbriefError("top-k must be at least 1")
        qvec, qterms = self._query(question, history)
        strict = window is not None and window.strict
        deeper = WINDOW_DEPTH if strict else 1  # room for what a strict window drops
        pids, pscores = store.search(qvec, max(top_k, QUOTE_PASSAGES) * deeper)
        dsids, dscores = store.search_sentences(qvec, SENTENCE_HITS * deeper)
        ksids, kscores = store.search_keywords(qterms, SENTENCE_HITS * deeper)
        pool = Pool(store, window)
        depth = len(pids) if strict else QUOTE_PASSAGES
        pool.add_passages(pids[:depth], pscores[:depth], QUOTE_PASSAGES)
        pool.add_sentences([int(s) for s in dsids] + [int(s) for s in ksids])
        for pid, score in zip(pids, pscores, strict=True):
            pool.note_article_score(int(pid), float(score))
        cands = pool.candidates()
        weights = load_weights()
        if not cands:
            return Scored.empty("outside-window" if strict else "", window)
        qset = list(dict.fromkeys(qterms))
        dfs, n_docs = store.term_counts(qset)
        idf = {t: idf_of(dfs[t], n_docs) for t in qset}
        sids = [c.sid for c in cands]
        dense = store.sentence_vectors(sids) @ qvec
        drank = {int(s): r for r, s in enumerate(dsids)}
        krank = {int(s): r for r, s in enumerate(ksids)}
        kscore = {int(s): float(v) for s, v in zip(ksids, kscores, strict=True)}
        kmax = max(kscore.values(), default=1.0) or 1.0
        kinds = wanted(question)
        asked = set(terms(question))
        full_q = " ".join([question, *history[-1:]])
        covered = article_cover(store, idf, pool.articles())
        now = now or _collection_now(store)
        fresh = {a: pool.recency(a, now, weights.undated) for a in pool.articles()}
        rows = []
        for c, d in zip(cands, dense, strict=True):
            own = term_set(c.text)
            near = term_set(c.context)
            own_cov = coverage(idf, own)
            rows.append(
                SENTENCE_FEATURES.row(
                    dense=float(d),
                    passage=c.passage,
                    keyword=kscore.get(c.sid, 0.0) / kmax,
                    fused=rrf(drank.get(c.sid)) + rrf(krank.get(c.sid)) + rrf(c.passage_rank),
                    lex_own=own_cov,
                    lex_near=coverage(idf, own | near) - own_cov,
                    article=pool.article_score.get(c.article_id, 0.0),
                    article_cover=covered[c.article_id],
                    lead=1.0 / (1.0 + c.idx),
                    novel=novelty(full_q, c.text),
                    type_match=float(bool(kinds) and pool.holds_answer(c, kinds, asked)),
                    length=float(np.log1p(len(c.text))),
                    recency=fresh[c.article_id],
                    in_window=pool.window_fit(c.article_id),
                )
            )
        feats = SENTENCE_FEATURES.matrix(rows)
        col = SENTENCE_FEATURES.col  # a sentence signal of every candidate, by name
        scores = sentence_scores(feats, weights)
        order = order_scores(feats, weights)
        ranked = [
            Candidate(
                c.article_id, c.idx, c.start, c.end, c.text, float(s), c.following, c.headline
            )
            for c, s in zip(cands, order, strict=True)
        ]
        by_order = [cands[i] for i in np.argsort(-order, kind="stable")]
        votes = count_votes(kinds, asked, by_order, pool.entities_in, pool.text)

        def slot(c: Cand) -> tuple[float, tuple[float, float]]:
            agreed = sentence_agreement(
                votes, kinds, asked, pool.text(c.article_id), pool.entities_in(c)
            )
            return pool.slot_fit(c, kinds, asked), agreed

        positions, rfeats = self._read(qvec, cands, feats, order, slot, weights)
        probs = reader_probabilities(rfeats, weights)
        if probs is None:  # no reader fitted: the first stage's order, as probabilities
            probs = 1.0 / (1.0 + np.exp(-order[list(positions)]))
        # time words: the asked-for dates first
        probs = window_prior(
            probs, rfeats, told=[tells_of(window, cands[i].text) for i in positions]
        )
        read = tuple(
            sorted(
                (replace(ranked[i], score=float(p)) for i, p in zip(positions, probs, strict=True)),
                key=lambda c: -c.score,
            )
        )
        # Only articles that mention what the question names may answer it (focus.py).
        time_words = [window.label] if window is not None and not window.strict else []
        on_subject, missing = keep_on_subject(question, read, store, dfs, time_words, pool.text)
        # every sentence read is about another subject: refused, whatever the model says
        strayed = bool(read) and not on_subject
        total_idf = sum(idf.values()) or 1.0
        # How well the articles answer, apart from how new they are: the best sentence on
        # evidence alone, and then separately how new its article is.
        evidence = scores - col(weights.sentence[:-1], "recency") * col(feats, "recency")
        best = int(np.argmax(evidence))
        ranked_evidence = np.sort(evidence)[::-1]
        ranked_probs = np.sort(probs)[::-1]
        read_cands = [cands[i] for i in positions]
        named = names(question)
        known_names = sum(dfs.get(t, 0) > 0 for t in named) / len(named) if named else 1.0
        top_passage = float(pscores[0]) if len(pscores) else 0.0
        qfeats = np.array(
            QUESTION_FEATURES.row(
                top_score=float(evidence[best]),
                top_passage=top_passage,
                best_cover=float((col(feats, "lex_own") + col(feats, "lex_near")).max()),
                unknown=sum(w for t, w in idf.items() if dfs[t] == 0) / total_idf,
                name_cover=name_cover(question, [cands[i] for i in np.argsort(-scores)[:5]]),
                agreement=list_agreement(pool, dsids, ksids),
                fresh_match=top_passage * fresh[cands[best].article_id],
                spread=spread(cands, scores),
                reader_top=float(probs.max()),
                alone_top=float(READER_FEATURES.col(rfeats, "alone").max()),
                reader_margin=float(ranked_probs[0] - (ranked_probs[1:2].sum())),
                top_drop=float(ranked_evidence[0] - ranked_evidence[: SPREAD_TOP // 2][-1]),
                names_known=known_names,
                agreed_lead=votes.lead,
                time_gap=years_unmatched(
                    question,
                    [c.text + " " + c.context for c in read_cands],
                    [pool.day(c.article_id) for c in read_cands],
                ),
                on_subject=float(not strayed),
            )
        )
        model, _ = weights.answer_model(dated=now is not None)
        # nothing close enough to answer from: no model output can make up for that
        # A sentence holding every question word the articles use at all is close, however
        # the rest is worded: "the crossing took 22 minutes" for "How many minutes did the
        # crossing take?" ("take" occurs nowhere, so it cannot be matched)
        by_words = covers_known(idf, dfs, cands)
        close = bool(is_close(qfeats, weights.min_passage)) or by_words
        # The question names a year that no sentence read mentions, and every dated article
        # read is dated outside the dates its words name ("in 1998"): it is about another time
        # (undated articles say nothing of their time, and are left out of that)
        fits = READER_FEATURES.col(rfeats, "in_window") if len(rfeats) else np.ones(1)
        elsewhen = (
            QUESTION_FEATURES.col(qfeats, "time_gap") >= 1.0
            and bool((fits == 0.0).any())
            and not bool((fits == 1.0).any())
        )
        reason = (
            "off-subject"
            if strayed
            else "another-time"
            if elsewhen or QUESTION_FEATURES.col(qfeats, "time_gap") >= 1.0
            else refusal_reason(
                top_passage if close else 0.0,
                fresh[cands[best].article_id] if now is not None else None,
                bool(kinds),
                bool(READER_FEATURES.col(rfeats, "type_match").any()),
            )
        )
        return Scored(
            ranked,
            feats,
            qfeats,
            answer_probability(qfeats, model) if close and not (strayed or elsewhen) else 0.0,
            positions,
            rfeats,
            read,
            reason,
            window,
            on_subject,
            missing,
            by_words,
            votes,
        )

    def _read(
        self,
        qvec: np.ndarray,
        cands: list[Cand],
        feats: np.ndarray,
        order: np.ndarray,
        slot: Callable[[Cand], tuple[float, tuple[float, float]]],
        weights: Weights,
    ) -> tuple[tuple[int, ...], np.ndarray]:
        """The reader's signals for the first stage's best READER_DEPTH candidates."""
        top = read_positions(order)
        if weights.reads_alone:
            alone = self.alone_vectors([cands[i].text for i in top]) @ qvec
        else:  # the fitted reader does not weigh it: no embedding
            alone = np.zeros(len(top), dtype=np.float32)
        opening = [cands[i].idx == 0 for i in top]
        fits, agreed = zip(*(slot(cands[i]) for i in top), strict=True) if top else ((), ())
        return tuple(top), reader_features(
            order, top, alone, opening, list(fits), feats, list(agreed)
        )

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


def _collection_now(store: ReadStore) -> date | None:
    """The newest article's date, recorded at build time; None for an undated collection."""
    return parse_date(str(store.manifest.get("newest_article") or ""))


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


def window_note(window: Window | None) -> dict[str, str | None] | None:
    """What an answer says of its window: the dates, what named them, and that undated
    articles were kept in (they are never dropped for a window)."""
    if window is None:
        return None
    return window.to_dict() | {"undated": "included", "said": window.describe()}
