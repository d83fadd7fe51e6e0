"""Measures (a) and (b) of cross_reader.py, over scores of each question's DEPTH candidates.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python benchmarks/cross_reader.py

(a) answer first: the share of answerable questions whose best-scored candidate holds the
    gold answer (`first_share`), for the first stage's order, the cross-encoder and a
    logistic blend of both fitted on the calibration split (`blend_fit`);
(b) refusing off-period questions (`refusal`): ROC AUC of a question's best score for
    answerable against off-period questions on dev, and the share of each refused at the
    threshold that refuses 10% of the answerable training (or calibration) questions.
"""

from __future__ import annotations

import numpy as np
from cross_data import top


def ragged(arrays: list[np.ndarray]) -> np.ndarray:
    out = np.empty(len(arrays), dtype=object)
    out[:] = arrays
    return out


def first_share(items, scores) -> float:
    """Share of answerable items whose best-scored candidate holds the gold answer."""
    hits = [bool(len(s)) and bool(it["y"][top(it)][int(np.argmax(s))])
            for it, s in zip(items, scores, strict=True) if it["answerable"]]  # fmt: skip
    return float(np.mean(hits))


def first_stage(items) -> list[np.ndarray]:
    return [np.array([it["cands"][i].score for i in top(it)]) for it in items]


def blend_fit(items, cross):
    from sklearn.linear_model import LogisticRegression

    X, y = [], []
    for it, s in zip(items, cross, strict=True):
        if it["answerable"] and len(s):
            idx = top(it)
            X += [[a, it["cands"][i].score] for a, i in zip(s, idx, strict=True)]
            y += list(it["y"][idx])
    return LogisticRegression(C=1.0).fit(np.array(X), np.array(y))


def blend_scores(lr, items, cross):
    out = []
    for it, s in zip(items, cross, strict=True):
        X = np.array([[a, it["cands"][i].score] for a, i in zip(s, top(it), strict=True)])
        out.append(lr.decision_function(X) if len(X) else np.array([]))
    return out


def best(scores) -> np.ndarray:
    return np.array([float(np.max(s)) if len(s) else -1e9 for s in scores])


def refusal(name, train_items, train_vals, dev_items, dev_vals) -> str:
    """AUC (answerable vs off-period) on dev, and off-period refused at the threshold that
    refuses 10% of the training answerable questions (and at the dev-oracle one)."""
    from sklearn.metrics import roc_auc_score

    ta = np.array([it["answerable"] for it in train_items])
    da = np.array([it["answerable"] for it in dev_items])
    do = np.array([it["type"] == "off-period" for it in dev_items])
    keep = da | do
    auc = roc_auc_score(da[keep], dev_vals[keep])
    thr = np.quantile(train_vals[ta], 0.10)
    oracle = np.quantile(dev_vals[da], 0.10)
    return (
        f"  {name:34s} AUC {auc:.3f} | train thr {thr:8.3f}: off-period refused "
        f"{np.mean(dev_vals[do] < thr):.1%}, answerable refused {np.mean(dev_vals[da] < thr):.1%}"
        f" | dev-oracle: off-period refused {np.mean(dev_vals[do] < oracle):.1%}"
    )
