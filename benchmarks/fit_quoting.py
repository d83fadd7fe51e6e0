"""The product's reading and quoting, simulated for fit_ranker.py over the cached questions:
what the reader sees of a question under a refitted first stage, the quotes the product
would give, the question signals and the gates that refuse whatever the answer model says.

    .venv/bin/python benchmarks/fit_ranker.py TRAIN_DIR... --dev DEV_DIR

Each follows the product's code (askbrief.ask: answer.select/widen/join_touching,
agreement, ranking.reader_features, focus, timeframe) on what fit_data.py cached per
question (candidates, signals, the articles on the question's subject), so that a refit can
be judged as the product would answer with it, without asking the questions again. Env holds
one dataset's store reads (Reading), quotes (Quoter) and reader vectors (fit_data.Alone).
"""

from __future__ import annotations

from datetime import date

import numpy as np
from fit_data import Alone, Dataset

from askbrief.ask.agreement import (
    Votes,
    answer_span,
    count_votes,
    mark_candidates,
    sentence_agreement,
)
from askbrief.ask.answer import join_touching, select, widen
from askbrief.ask.ranking import (
    QUESTION_FEATURES,
    READER_FEATURES,
    SENTENCE_FEATURES,
    SPREAD_TOP,
    is_close,
    names,
    read_positions,
    reader_features,
)
from askbrief.ask.signals import spread
from askbrief.ask.timeframe import resolve, tells_of, years_unmatched
from askbrief.dates import article_date
from askbrief.ingest.entities import in_span, slot_fit, wanted
from askbrief.records import Article, Candidate
from askbrief.text import normalize, term_set, terms


class Reading:
    """What the reader needs of a dataset's store, read once per article: texts, entities,
    dates; the slot and agreement signals as Index.score computes them."""

    def __init__(self, ds: Dataset) -> None:
        self.store = ds.store
        self.texts: dict[str, str] = {}
        self.ents: dict[str, list] = {}
        self.days: dict[str, date | None] = {}
        self.counts: dict[str, int] = {}
        self.n: int | None = None

    def text(self, article_id: str) -> str:
        if article_id not in self.texts:
            art = self.store.article(article_id)
            self.texts[article_id] = art.text if art else ""
            self.days[article_id] = article_date(art) if art else None
        return self.texts[article_id]

    def day(self, article_id: str) -> date | None:
        self.text(article_id)
        return self.days[article_id]

    def entities(self, c: Candidate) -> list:
        if c.article_id not in self.ents:
            self.ents[c.article_id] = self.store.entities(c.article_id)
        return in_span(self.ents[c.article_id], c.start, c.end)

    def known(self, stems: set[str]) -> dict[str, int]:
        """Sentences holding each stem (store.term_counts), cached across questions."""
        return self.term_counts(list(stems))[0]

    def term_counts(self, stems: list[str]) -> tuple[dict[str, int], int]:
        """store.term_counts, cached across questions."""
        todo = [t for t in stems if t not in self.counts]
        if todo or self.n is None:
            found, self.n = self.store.term_counts(todo)
            self.counts.update(found)
        return {t: self.counts[t] for t in stems}, self.n


def read(it: dict, order_w: np.ndarray, order_b: float, env: Env, alone: bool = False) -> dict:
    """What the reader sees for one question under a first-stage `order` model."""
    if not len(it["X"]):
        return {"pos": [], "R": np.zeros((0, len(READER_FEATURES))), "y": np.zeros(0, bool),
                "votes": Votes()}  # fmt: skip
    order = it["X"] @ order_w + order_b
    pos = read_positions(order)
    cands = it["cands"]
    if alone:
        cos = env.alone([cands[i].text for i in pos]) @ it["qvec"]
    else:  # the reader does not weigh it: no embedding
        cos = np.zeros(len(pos), dtype=np.float32)
    opening = [cands[i].idx == 0 for i in pos]
    kinds, asked = wanted(it["question"]), set(terms(it["question"]))
    r = env.reading
    by_order = [cands[i] for i in np.argsort(-order, kind="stable")]
    votes = count_votes(kinds, asked, by_order, r.entities, r.text)
    slot, agreed = [], []
    for i in pos:
        c = cands[i]
        text, ents = (r.text(c.article_id), r.entities(c)) if kinds else ("", [])
        slot.append(slot_fit(kinds, asked, text, c.start, c.end, ents) if kinds else 0.0)
        agreed.append(sentence_agreement(votes, kinds, asked, text, ents))
    R = reader_features(order, pos, cos, opening, slot, it["X"], agreed)
    return {"pos": pos, "R": R, "y": it["y"][pos], "votes": votes}


class Quoter:
    """The product's quote choice (answer.select, widen, join_touching) over an index,
    kept to the articles on the question's subject (focus.py) as Index.quote is, and the
    words quote [1] marks as the answer (agreement.answer_span)."""

    def __init__(self, ds: Dataset, reading: Reading) -> None:
        self.store = ds.store
        self.budget = ds.idx.settings.answer_chars
        self.reading = reading
        self.articles: dict[str, Article] = {}

    def article(self, article_id: str) -> Article:
        if article_id not in self.articles:
            self.articles[article_id] = self.store.article(article_id)  # type: ignore[assignment]
        return self.articles[article_id]

    def text_of(self, article_id: str) -> str:
        return self.article(article_id).text

    def __call__(self, it: dict, g: dict, probs: np.ndarray, ratio: float, k: int = 5) -> list:
        read_c = [
            Candidate(
                c.article_id, c.idx, c.start, c.end, c.text, float(p), c.following, c.headline
            )
            for c, p in zip((it["cands"][i] for i in g["pos"]), probs, strict=True)
        ]
        read_c.sort(key=lambda c: -c.score)
        on = [c for c in read_c if c.article_id in it["on_subject"]]
        chosen = select(on or read_c, k, ratio, self.text_of)
        arts = {c.article_id: self.article(c.article_id) for c in chosen}
        asked = term_set(it["question"])
        return join_touching(widen(chosen, arts, self.budget, asked), self.text_of)

    def mark_candidates(self, it: dict, g: dict, first: Candidate) -> tuple[list, np.ndarray]:
        """What quote [1] could mark as the answer (agreement.mark_candidates) and their
        signals, as Index.quote computes them."""
        text = self.text_of(first.article_id)
        ents = self.reading.entities(first)
        asked = set(terms(it["question"]))
        return mark_candidates(
            g["votes"], wanted(it["question"]), asked, text, ents, first.start, first.end,
            self.reading.term_counts,
        )  # fmt: skip

    def mark(self, it: dict, g: dict, first: Candidate, model: tuple) -> str | None:
        """The text quote [1] marks as the answer under the mark `model`, or None."""
        found, feats = self.mark_candidates(it, g, first)
        text = self.text_of(first.article_id)
        span = answer_span(found, feats, *model, text)
        return text[span[0] : span[1]] if span else None


def question_signals(
    it: dict, coef: np.ndarray, bias: float, g: dict, probs: np.ndarray, env: Env
) -> np.ndarray:
    """The question signals as Index.score computes them under these models: those that
    depend on which sentence is best follow the refitted models; signals added since the
    question was asked are computed here (the cache keeps the first ones, in order)."""
    q = dict(zip(QUESTION_FEATURES, it["Q"], strict=False))  # the first ones
    if not len(it["X"]):
        q |= dict.fromkeys((f for f in QUESTION_FEATURES if f not in q), 0.0)
        q["top_score"], q["names_known"] = -10.0, 1.0
        return np.array(QUESTION_FEATURES.row(**q))
    s = it["X"] @ coef + bias
    recency = SENTENCE_FEATURES.col(it["X"], "recency")
    evidence = s - SENTENCE_FEATURES.col(coef, "recency") * recency
    b = int(np.argmax(evidence))
    q["top_score"] = evidence[b]
    q["fresh_match"] = float(recency[b]) * q["top_passage"]
    q["spread"] = spread(it["cands"], s)
    q["reader_top"] = float(probs.max()) if len(probs) else 0.0
    q["alone_top"] = float(READER_FEATURES.col(g["R"], "alone").max()) if len(probs) else 0.0
    ranked_p = np.sort(probs)[::-1]
    q["reader_margin"] = float(ranked_p[0] - ranked_p[1:2].sum()) if len(probs) else 0.0
    ranked_e = np.sort(evidence)[::-1]
    q["top_drop"] = float(ranked_e[0] - ranked_e[: SPREAD_TOP // 2][-1])
    named = names(it["question"])
    known = env.reading.known(named)
    q["names_known"] = sum(v > 0 for v in known.values()) / len(named) if named else 1.0
    q["agreed_lead"] = g["votes"].lead
    read_c = [it["cands"][i] for i in g["pos"]]
    q["on_subject"] = float(on_subject(it, g))
    q["time_gap"] = years_unmatched(
        it["question"], [c.text for c in read_c], [env.reading.day(c.article_id) for c in read_c]
    )
    return np.array(QUESTION_FEATURES.row(**q))


def on_subject(it: dict, g: dict) -> bool:
    """Is a sentence read from an article on the question's subject (focus.py)? Without a
    sentence read, nothing strays."""
    return not g["pos"] or any(it["cands"][i].article_id in it["on_subject"] for i in g["pos"])


def gates(items: list[dict], groups: list[dict], Q: np.ndarray, min_passage: float) -> np.ndarray:
    """Refused whatever the answer model says, as Index.score does: nothing close (a best
    passage below min_passage and no sentence holding the question's words), or no article
    read on the question's subject."""
    close = is_close(Q, min_passage) | np.array([it["close_by_words"] for it in items])
    strayed = np.array([not on_subject(it, g) for it, g in zip(items, groups, strict=True)])
    return ~close | strayed


class Env:
    """One dataset's index, as the fitting reads it: reader vectors, store reads, quotes."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.alone = Alone(ds.idx, ds.home / "alone.npz")
        self.reading = Reading(ds)
        self.quoter = Quoter(ds, self.reading)


def bare(answer: str) -> str:
    """A gold answer as marked words would hold it: normalised, without enclosing quotes."""
    return normalize(answer).strip("\"'")


def told(it: dict, g: dict) -> list[bool]:
    """Which sentences read name a year of the question's window (timeframe.tells_of)."""
    now = date.fromisoformat(it["asked_on"]) if it.get("asked_on") else None
    window = resolve(it["question"], now) if now else None
    return [tells_of(window, it["cands"][i].text) for i in g["pos"]]
