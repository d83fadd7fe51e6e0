"""Fit askbrief's rankers, reader and answer model; report answer quality out of sample.

    .venv/bin/python benchmarks/fit_ranker.py ../shared/eval/train ../shared/eval/more/* \
        --dev ../shared/eval/dev [--curve 240 500 1000] [--write]

The training datasets' questions *and answers* are read (this is training), with
cross-period questions as off-period examples and synthetic questions made from train/'s
own articles (synthetic.py); how each question is asked, and what is cached, is in
fit_data.py. DEV only reports: every figure printed for it is out of sample. --curve fits
also on random shares of the training questions (about N answerable each) and reports each
on DEV: a learning curve. --write stores the fit on all training datasets in
src/askbrief/ranker.json; nothing else here ships.

What is fitted, in the order the product applies it:
1. two first-stage sentence models over SENTENCE_FEATURES (logistic regression; a positive
   sentence holds the gold answer): `sentence`, the evidence the answer model reads, and
   `order` (also trained on the synthetic questions), which picks the sentences the reader
   reads;
2. the reader over READER_FEATURES, fitted for the first position: a listwise objective
   (softmax over the sentences read; `--reader top1` instead maximises the questions answered
   first directly, by coordinate ascent), then calibrated into a probability of holding the
   answer;
3. keep_ratio: a quote after the first is kept while its probability is at least this share
   of the first one's (see `fit`);
4. the answer model over QUESTION_FEATURES (answerable or not), and its threshold: the one
   that refuses the most null questions while refusing at most --max-false-refusal of the
   answerable questions it is fitted on (the subject and closeness gates' refusals
   included), on cross-validated probabilities.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_data import NEGATIVES_PER_SET, Alone, Dataset, synthetic_items  # noqa: E402

from askbrief.ask.agreement import (  # noqa: E402
    Votes,
    answer_span,
    count_votes,
    mark_candidates,
    sentence_agreement,
)
from askbrief.ask.answer import Candidate, join_touching, select, widen  # noqa: E402
from askbrief.ask.ranking import (  # noqa: E402
    MARK_FEATURES,
    QUESTION_FEATURES,
    READER_FEATURES,
    SENTENCE_FEATURES,
    SPREAD_TOP,
    WINDOW_PRIOR,
    is_close,
    names,
    read_positions,
    reader_features,
    window_prior,
)
from askbrief.ask.signals import spread  # noqa: E402
from askbrief.ask.timeframe import resolve, tells_of, years_unmatched  # noqa: E402
from askbrief.dates import article_date  # noqa: E402
from askbrief.ingest.entities import in_span, slot_fit, wanted  # noqa: E402
from askbrief.records import Article  # noqa: E402
from askbrief.text import normalize, term_set, terms  # noqa: E402

RANKER = Path(__file__).resolve().parent.parent / "src" / "askbrief" / "ranker.json"
SYNTHETIC_WEIGHT = 0.15  # each synthetic set's sentences weigh this times the real ones'
MAX_MEDIAN_QUOTES = 3
RECALL_KEPT = 0.9
ANSWER_C = 0.3


# --- models -------------------------------------------------------------------------------


def fit_sentence_ranker(
    labelled: list[dict], synthetic: Sequence[list[dict]] = (), weight: float = SYNTHETIC_WEIGHT
) -> tuple[np.ndarray, float]:
    """Logistic regression over sentence signals (positives hold the gold answer), as weights
    and bias on the raw signals. Classes balanced after the synthetic sets are weighted in."""
    X = np.vstack([it["X"] for it in labelled])
    y = np.concatenate([it["y"] for it in labelled])
    w = np.ones(len(y))
    n_real = len(y)
    for extra in synthetic if weight > 0 else ():
        Xs = np.vstack([it["X"] for it in extra])
        ys = np.concatenate([it["y"] for it in extra])
        X, y = np.vstack([X, Xs]), np.concatenate([y, ys])
        w = np.concatenate([w, np.full(len(ys), weight * n_real / len(ys))])
    mu, sd = X.mean(0), X.std(0) + 1e-9
    balance = np.where(y, 0.5 * w.sum() / w[y].sum(), 0.5 * w.sum() / w[~y].sum())
    m = LogisticRegression(C=1.0, max_iter=3000).fit((X - mu) / sd, y, sample_weight=w * balance)
    return m.coef_[0] / sd, float(m.intercept_[0] - (m.coef_[0] * mu / sd).sum())


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


def fit_reader(
    groups: list[dict], weights: Sequence[float], method: str = "top1", l2: float = 0.01
) -> tuple[np.ndarray, float]:
    """The reader's weights and bias on the raw reader signals, as a probability that a
    sentence holds the answer. `method`: "top1" fits for the first position itself
    (coordinate ascent on the questions answered first, from the first stage's own order);
    "listwise" maximises the softmax probability, over the sentences read for a question, of
    those holding the answer. Either way a one-signal logistic regression then turns the
    score into a probability, on every sentence read."""
    use = [(g, w) for g, w in zip(groups, weights, strict=True) if g["y"].any()]
    R = np.vstack([g["R"] for g, _ in use])
    mu, sd = R.mean(0), R.std(0) + 1e-9
    std = [dict(g, R=(g["R"] - mu) / sd) for g, _ in use]
    ws = [w for _, w in use]
    if method == "top1":
        start = np.zeros(R.shape[1])
        start[READER_FEATURES.index("order")] = 1.0  # the first stage's score
        theta = coordinate_ascent(std, ws, start)
    else:
        theta = _listwise(std, ws, l2)
    raw = theta / sd
    allR = np.vstack([g["R"] for g in groups if len(g["R"])])
    ally = np.concatenate([g["y"] for g in groups if len(g["R"])])
    cal = LogisticRegression(C=100.0, max_iter=2000).fit((allR @ raw)[:, None], ally)
    a, b = float(cal.coef_[0, 0]), float(cal.intercept_[0])
    return raw * a, b


def _listwise(groups: list[dict], weights: Sequence[float], l2: float) -> np.ndarray:
    total = sum(weights)
    mats = [(g["R"], g["y"], w / total) for g, w in zip(groups, weights, strict=True)]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        f, grad = l2 * 0.5 * theta @ theta, l2 * theta
        for Z, y, w in mats:
            s = Z @ theta
            e = np.exp(s - s.max())
            f -= w * (np.log(e[y].sum()) - np.log(e.sum()))
            grad -= w * ((e[y] / e[y].sum()) @ Z[y] - (e / e.sum()) @ Z)
        return f, grad

    return minimize(loss, np.zeros(groups[0]["R"].shape[1]), jac=True, method="L-BFGS-B").x


def top1_hits(groups: list[dict], weights: Sequence[float], theta: np.ndarray) -> float:
    """Weighted count of questions whose best-scored sentence read holds the answer."""
    return sum(
        w * bool(g["y"][int(np.argmax(g["R"] @ theta))])
        for g, w in zip(groups, weights, strict=True)
        if len(g["R"])
    )


def coordinate_ascent(
    groups: list[dict], weights: Sequence[float], start: np.ndarray, rounds: int = 4
) -> np.ndarray:
    """Fit for the first position itself: one reader weight at a time, the value on a grid
    that puts a sentence holding the answer first for the most (weighted) questions; ties
    keep the smaller change. Coordinate ascent, as learning-to-rank toolkits do for metrics
    that have no gradient. Features are standardised; the grid is relative to the first
    stage's weight ("order"), which stays 1: the unit of scale."""
    theta = start.copy()
    best = top1_hits(groups, weights, theta)
    steps = np.array([-2, -1, -0.5, -0.25, -0.1, 0.1, 0.25, 0.5, 1, 2])
    moving = [j for j, f in enumerate(READER_FEATURES) if f != "order"]
    for _ in range(rounds):
        moved = False
        for j in moving:
            for step in steps:
                trial = theta.copy()
                trial[j] += step
                hits = top1_hits(groups, weights, trial)
                if hits > best + 1e-9:
                    best, theta, moved = hits, trial, True
        if not moved:
            break
    return theta


def reader_scores(g: dict, w: np.ndarray, b: float) -> np.ndarray:
    z = g["R"] @ w + b if len(g["R"]) else np.zeros(0)
    return 1.0 / (1.0 + np.exp(-z))


# --- answers as the product gives them ------------------------------------------------------


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


def fit_answer_model(
    Q: np.ndarray,
    t: np.ndarray,
    used: list[int],
    budget: float,
    fit_on: np.ndarray,
    forced: np.ndarray,
    gated_budget: bool = True,
) -> tuple[np.ndarray, float, float]:
    """Logistic regression answerable-vs-not over the question signals in `used`, fitted on
    the questions in `fit_on` that pass the gates (`forced`: refused anyway), and the
    threshold refusing at most `budget` of the answerable questions in all, the gates'
    refusals included, on 5-fold cross-validated probabilities (the model's fit to its own
    data would be optimistic)."""
    Qu = Q[:, used]
    mu, sd = Qu.mean(0), Qu.std(0) + 1e-9
    Z = (Qu - mu) / sd
    p = np.zeros(len(Z))
    fit_on = fit_on & ~forced
    inside = np.flatnonzero(fit_on)
    for a, b in StratifiedKFold(5, shuffle=True, random_state=0).split(Z[inside], t[inside]):
        a, b = inside[a], inside[b]
        m = LogisticRegression(C=ANSWER_C, max_iter=2000).fit(Z[a], t[a])
        p[b] = m.predict_proba(Z[b])[:, 1]
    scope = t & (fit_on | forced)  # the answerable questions
    if not gated_budget:  # the budget is the model's own: of the questions the gates pass
        scope, forced = scope & ~forced, np.zeros_like(forced)
    ok = [x for x in np.linspace(0.01, 0.99, 99) if ((p < x) | forced)[scope].mean() <= budget]
    th = max(ok) if ok else 0.01
    m = LogisticRegression(C=ANSWER_C, max_iter=2000).fit(Z[fit_on], t[fit_on])
    coef = np.zeros(len(QUESTION_FEATURES))
    coef[used] = m.coef_[0] / sd
    bias = float(m.intercept_[0] - (m.coef_[0] * mu / sd).sum())
    return coef, bias, float(th)


def answer_probs(Q: np.ndarray, coef: np.ndarray, bias: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(Q @ coef + bias)))


# --- the run ------------------------------------------------------------------------------


class Env:
    """One dataset's index, as the fitting reads it: reader vectors, store reads, quotes."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.alone = Alone(ds.idx, ds.home / "alone.npz")
        self.reading = Reading(ds)
        self.quoter = Quoter(ds, self.reading)


def fit(items: list[dict], synth: Sequence[list[dict]], envs: dict[str, Env], args) -> dict:
    """Every fitted part from `items` (and synthetic questions), as ranker.json holds it."""
    labelled = [it for it in items if it["answerable"] and len(it["X"])]
    coef, bias = fit_sentence_ranker(labelled)
    order, order_b = fit_sentence_ranker(labelled, synth, args.synthetic)
    mask = np.isin(READER_FEATURES, args.reader_features.split(","))
    alone = bool(mask[[READER_FEATURES.index("alone"), READER_FEATURES.index("alone_gap")]].any())
    groups = [read(it, order, order_b, envs[it["ds"]], alone) for it in items]
    sgroups = [read(it, order, order_b, envs[it["ds"]], alone) for s in synth for it in s]
    for g in groups + sgroups:
        g["R"] = g["R"] * mask
    real = [g for g, it in zip(groups, items, strict=True) if it["answerable"]]
    n_real = max(1, sum(g["y"].any() for g in real))
    n_syn = max(1, sum(g["y"].any() for g in sgroups))
    weights = [1.0] * len(real) + [args.synthetic * n_real / n_syn] * len(sgroups)
    if args.reader == "off":  # the first stage's own order, its logistic as probability
        rw, rb = np.eye(len(READER_FEATURES))[READER_FEATURES.index("order")], 0.0
    else:
        rw, rb = fit_reader(real + sgroups, weights, args.reader)
    probs = [reader_scores(g, rw, rb) for g in groups]
    # keep_ratio: fewer quotes raise answer first (the first quote has room to carry on into
    # its next sentence) and quote precision, and cost recall. Among ratios keeping a median
    # of at most 3 quotes and at least RECALL_KEPT of the recall of five quotes, the one with
    # the best answer first plus quote precision on these questions.
    rows = [(float(r), figures(items, groups, probs, envs, r)) for r in np.linspace(0, 0.95, 20)]
    most = max(f["recall"] for _, f in rows)
    ok = [
        (f["first"] / max(1, f["n"]) + f["precision"], r)
        for r, f in rows
        if f["quotes"] <= MAX_MEDIAN_QUOTES and f["recall"] >= RECALL_KEPT * most
    ]
    best = max(ok) if ok else (0.0, rows[-1][0])
    if args.keep_ratio is not None:
        best = (0.0, args.keep_ratio)
    Q = np.array(
        [
            question_signals(it, coef, bias, g, p, envs[it["ds"]])
            for it, g, p in zip(items, groups, probs, strict=True)
        ]
    )
    t = np.array([it["answerable"] for it in items])
    types = np.array([it["type"] for it in items])
    used = [QUESTION_FEATURES.index(f) for f in args.question_features.split(",")]
    fit_on = types != "unanswerable" if args.clean else np.ones(len(t), bool)
    # nothing close: below the best-passage cosine of all but 1% of answerable questions
    min_passage = float(np.percentile(QUESTION_FEATURES.col(Q, "top_passage")[t], 1))
    forced = gates(items, groups, Q, min_passage)
    budget = args.max_false_refusal, fit_on, forced, not args.model_budget
    dated = fit_answer_model(Q, t, used, *budget)
    undated_used = [u for u in used if QUESTION_FEATURES[u] != "fresh_match"]
    undated = fit_answer_model(Q, t, undated_used, *budget)
    fresh = [
        SENTENCE_FEATURES.col(it["X"], "recency")[int(np.argmax(it["X"] @ coef))] for it in labelled
    ]
    mark = fit_marks(items, groups, probs, envs, best[1])
    return {
        "coef": coef, "bias": bias, "order": order, "order_b": order_b, "rw": rw, "rb": rb,
        "ratio": round(best[1], 2), "dated": dated, "undated": undated,
        "undated_recency": float(np.mean(fresh)), "mask": mask, "alone": alone,
        "min_passage": min_passage, "mark": mark,
    }  # fmt: skip


def bare(answer: str) -> str:
    """A gold answer as marked words would hold it: normalised, without enclosing quotes."""
    return normalize(answer).strip("\"'")


def fit_marks(items, groups, probs, envs, ratio) -> tuple[np.ndarray, float]:
    """The mark model: over the things quote [1] could mark when it holds the gold answer,
    a logistic regression for "holds the answer" (MARK_FEATURES), and the threshold that
    marks the most answers less twice the wrong marks (a wrong mark misleads; none does not)."""
    cases = []  # (features, labels) per question
    for it, g, p in zip(items, groups, probs, strict=True):
        if not it["answerable"] or not len(g["pos"]):
            continue
        env = envs[it["ds"]]
        quotes = env.quoter(it, g, p, ratio)
        if not quotes or normalize(it["gold"]) not in normalize(quotes[0].text):
            continue
        found, feats = env.quoter.mark_candidates(it, g, quotes[0])
        text = env.quoter.text_of(quotes[0].article_id)
        labels = np.array([bare(it["gold"]) in normalize(text[a:b]) for a, b, _ in found])
        cases.append((feats, labels))
    X = np.vstack([f for f, _ in cases if len(f)])
    y = np.concatenate([lab for f, lab in cases if len(f)])
    mu, sd = X.mean(0), X.std(0) + 1e-9
    m = LogisticRegression(C=1.0, max_iter=2000).fit((X - mu) / sd, y)
    w = np.append(m.coef_[0] / sd, m.intercept_[0] - (m.coef_[0] * mu / sd).sum())

    def net(th: float) -> int:
        score = 0
        for feats, labels in cases:
            if not len(feats):
                continue
            pr = 1.0 / (1.0 + np.exp(-(feats @ w[:-1] + w[-1])))
            i = int(np.argmax(pr))
            if pr[i] >= th:
                score += 1 if labels[i] else -2
        return score

    th = max(np.linspace(0.05, 0.95, 19), key=net)
    return w, float(th)


def figures(items, groups, probs, envs, ratio, answered=None, marks: tuple | None = None) -> dict:
    """Over answerable questions: answer first, recall, quote precision, median quotes,
    articles and characters; `answered` (one bool per item) applies abstention; `marks` (a
    mark model): also how often quote [1]'s marked words hold the answer when quote [1]
    does, and how many marks miss it."""
    first = hits = good = shown = n = marked = wrong = 0
    nq, na, chars = [], [], []
    for k, (it, g, p) in enumerate(zip(items, groups, probs, strict=True)):
        if not it["answerable"]:
            continue
        n += 1
        if not len(g["pos"]) or (answered is not None and not answered[k]):
            continue
        env = envs[it["ds"]]
        quotes = env.quoter(it, g, p, ratio)
        gold = normalize(it["gold"])
        held = [gold in normalize(c.text) for c in quotes]
        first += bool(held and held[0])
        if marks and held and held[0]:
            words = env.quoter.mark(it, g, quotes[0], marks)
            marked += bool(words) and bare(it["gold"]) in normalize(words or "")
            wrong += bool(words) and bare(it["gold"]) not in normalize(words or "")
        hits += any(held)
        good += sum(held)
        shown += len(held)
        nq.append(len(quotes))
        na.append(len({c.article_id for c in quotes}))
        chars.append(sum(len(c.text) for c in quotes))
    return {
        "n": n, "first": first, "recall": hits, "precision": good / max(1, shown),
        "quotes": float(np.median(nq)) if nq else 0.0,
        "articles": float(np.median(na)) if na else 0.0,
        "chars": float(np.median(chars)) if chars else 0.0, "marked": marked, "wrong": wrong,
    }  # fmt: skip


def apply(
    model: dict,
    items: list[dict],
    envs: dict[str, Env],
    dated: bool = True,
    prior: float = WINDOW_PRIOR,
) -> dict:
    """Answer `items` with a fitted model, as the product would: figures with and without
    abstention, and refusals by question type."""
    groups = [read(it, model["order"], model["order_b"], envs[it["ds"]], model["alone"])
              for it in items]  # fmt: skip
    raw = [g["R"] for g in groups]
    for g in groups:
        g["R"] = g["R"] * model["mask"]
    probs = [
        window_prior(reader_scores(g, model["rw"], model["rb"]), r, prior, told(it, g))
        for it, g, r in zip(items, groups, raw, strict=True)
    ]
    qc, qb, th = model["dated" if dated else "undated"]
    Q = np.array([
        question_signals(it, model["coef"], model["bias"], g, p, envs[it["ds"]])
        for it, g, p in zip(items, groups, probs, strict=True)
    ])  # fmt: skip
    answered = (answer_probs(Q, qc, qb) >= th) & ~gates(items, groups, Q, model["min_passage"])
    out = figures(items, groups, probs, envs, model["ratio"], answered, model["mark"])
    out["all"] = figures(items, groups, probs, envs, model["ratio"], marks=model["mark"])
    types = np.array([it["type"] for it in items])
    for kind in ("answer-in-corpus", "unanswerable", "off-period"):
        out[f"refused {kind}"] = int((~answered[types == kind]).sum())
        out[f"n {kind}"] = int((types == kind).sum())
    return out


def told(it: dict, g: dict) -> list[bool]:
    """Which sentences read name a year of the question's window (timeframe.tells_of)."""
    now = date.fromisoformat(it["asked_on"]) if it.get("asked_on") else None
    window = resolve(it["question"], now) if now else None
    return [tells_of(window, it["cands"][i].text) for i in g["pos"]]


def show(label: str, f: dict) -> None:
    a = f["all"]
    print(
        f"{label}: answer first {f['first']:.1f}/{f['n']} ({a['first']:.1f} answering all), "
        f"recall {f['recall']:.1f} ({a['recall']:.1f}), quote precision {f['precision']:.3f} "
        f"({a['precision']:.3f}), median quotes {f['quotes']:.1f}, articles {f['articles']:.1f}, "
        f"chars {f['chars']:.0f}; refused: off-period {f['refused off-period']:.1f}/"
        f"{f['n off-period']}, answerable {f['refused answer-in-corpus']:.1f}/"
        f"{f['n answer-in-corpus']}, unanswerable {f['refused unanswerable']:.1f}/"
        f"{f['n unanswerable']}; quote [1]'s marked words hold the answer {a['marked']:.0f}/"
        f"{a['first']:.0f} (another thing marked {a['wrong']:.0f})",
        flush=True,
    )


def training_items(datasets: list[Dataset], negatives: int) -> list[dict]:
    """Every training dataset's own questions, and its cross-period negatives."""
    items = []
    for ds in datasets:
        own = ds.items()
        neg = ds.negatives(datasets, negatives) if negatives else []
        print(f"{ds.name}: {len(own)} questions, {len(neg)} cross-period negatives", flush=True)
        items += own + neg
    return items


def subsample(items: list[dict], answerable: int, seed: int = 0) -> list[dict]:
    """A random share of the training questions holding about `answerable` answerable ones
    (the other kinds in proportion): a point of the learning curve."""
    total = sum(it["answerable"] for it in items)
    share = min(1.0, answerable / max(1, total))
    rng = np.random.default_rng(seed)
    return [it for it in items if rng.random() < share]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("train", type=Path, nargs="+", help="dataset folders to fit on")
    ap.add_argument("--dev", type=Path, required=True, help="the dataset to report on")
    ap.add_argument("--write", action="store_true", help="write the fit to ranker.json")
    ap.add_argument("--synthetic", type=float, default=SYNTHETIC_WEIGHT)
    ap.add_argument("--negatives", type=int, default=NEGATIVES_PER_SET,
                    help="cross-period questions asked of each training collection")  # fmt: skip
    ap.add_argument("--max-false-refusal", type=float, default=0.10)
    ap.add_argument(
        "--model-budget",
        action="store_true",
        help="the refusal budget is the answer model's own, over the questions the subject "
        "and closeness checks pass (default: theirs included)",
    )
    ap.add_argument(
        "--all-nulls",
        dest="clean",
        action="store_false",
        help="fit the answer model on every unanswered question, not only the off-period ones",
    )
    # The shipped choices (docs/quality.md says why): the reader's evidence left out of the
    # answer model, and the own-sentence cosine out of the reader; so are the signals of one
    # sentence standing out (reader_margin, top_drop), which count several sentences that
    # answer alike against the answer.
    ap.add_argument(
        "--question-features",
        default=",".join(
            f
            for f in QUESTION_FEATURES
            if f not in ("reader_top", "alone_top", "reader_margin", "top_drop")
        ),
    )
    ap.add_argument(
        "--reader-features",
        default=",".join(f for f in READER_FEATURES if f not in ("alone", "alone_gap")),
    )
    ap.add_argument("--reader", choices=["top1", "listwise", "off"], default="listwise")
    ap.add_argument("--keep-ratio", type=float, default=None, help="fix it instead of fitting")
    ap.add_argument("--curve", type=int, nargs="*", default=[],
                    help="learning curve: also fit on about this many answerable questions")  # fmt: skip
    ap.add_argument(
        "--try-prior", type=float, nargs="*", default=[], help="also show these window priors"
    )
    args = ap.parse_args()

    datasets = [Dataset(p) for p in args.train]
    dev_ds = Dataset(args.dev)
    envs = {ds.name: Env(ds) for ds in [*datasets, dev_ds]}
    train = training_items(datasets, args.negatives)
    dev = dev_ds.items()
    synth = [
        s
        for ds in datasets
        if ds.name == "train" and args.synthetic > 0
        for s in synthetic_items(ds)
    ]
    n_ans = sum(it["answerable"] for it in train)
    print(f"fitting on {len(train)} questions ({n_ans} answerable), reporting on {args.dev}")

    for n in args.curve:
        part = subsample(train, n)
        m = fit(part, synth, envs, args)
        got = sum(it["answerable"] for it in part)
        show(f"fitted on {len(part)} questions ({got} answerable)", apply(m, dev, envs))

    model = fit(train, synth, envs, args)
    show(
        f"fitted on all {len(train)} ({n_ans} answerable), dev out of sample",
        apply(model, dev, envs),
    )
    for prior in args.try_prior:
        show(f"  the same with window prior {prior}", apply(model, dev, envs, prior=prior))
    for e in envs.values():
        e.alone.save()
    if args.write:
        write(model, args)


def write(m: dict, args) -> None:
    def named(names, w, b):
        return {f: round(float(c), 6) for f, c in zip(names, w, strict=True)} | {
            "bias": round(b, 6)
        }

    sets = " ".join(str(p) for p in args.train)
    out = {
        "sentence": named(SENTENCE_FEATURES, m["coef"], m["bias"]),
        "order": named(SENTENCE_FEATURES, m["order"], m["order_b"]),
        "reader": named(READER_FEATURES, m["rw"], m["rb"]),
        "keep_ratio": m["ratio"],
        "min_passage": round(m["min_passage"], 4),
        "question": named(QUESTION_FEATURES, m["dated"][0], m["dated"][1]),
        "threshold": round(m["dated"][2], 4),
        "question_undated": named(QUESTION_FEATURES, m["undated"][0], m["undated"][1]),
        "threshold_undated": round(m["undated"][2], 4),
        "mark": named(MARK_FEATURES, m["mark"][0][:-1], float(m["mark"][0][-1])),
        "mark_threshold": round(m["mark"][1], 4),
        "undated": round(m["undated_recency"], 4),
        "fitted_on": f"RealTime QA questions and articles of {sets} (none of dev), their "
        "cross-period questions as off-period examples, and synthetic questions from train's "
        f"articles; benchmarks/fit_ranker.py --synthetic {args.synthetic} --negatives "
        f"{args.negatives} --max-false-refusal {args.max_false_refusal}"
        + ("" if args.clean else " --all-nulls"),
    }
    RANKER.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {RANKER}")


if __name__ == "__main__":
    main()
