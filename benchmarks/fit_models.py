"""The models fit_ranker.py fits, each on what fit_quoting.py simulates: the first-stage
sentence models, the reader (listwise or coordinate ascent for the first position, then
calibrated), the answer model and its refusal threshold, and the mark model.

    .venv/bin/python benchmarks/fit_ranker.py TRAIN_DIR... --dev DEV_DIR [--reader top1]

Each returns weights and bias on the raw signals (the product's ranking.py reads them as
ranker.json holds them); standardising is internal to the fit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from fit_quoting import bare
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from askbrief.ask.ranking import (
    QUESTION_FEATURES,
    READER_FEATURES,
)
from askbrief.text import normalize

SYNTHETIC_WEIGHT = 0.15  # each synthetic set's sentences weigh this times the real ones'
ANSWER_C = 0.3  # the answer model's regularisation


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
