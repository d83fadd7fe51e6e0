"""What fit_ranker.py reports: answer quality of a fitted model out of sample, as the product
would answer (answer first, recall, quote precision, quotes, articles and characters, the
refusals by question type, and how often quote [1]'s marked words hold the answer).

    .venv/bin/python benchmarks/fit_ranker.py TRAIN_DIR... --dev DEV_DIR [--try-prior P...]
"""

from __future__ import annotations

import numpy as np
from fit_models import answer_probs, reader_scores
from fit_quoting import Env, bare, gates, question_signals, read, told

from askbrief.ask.ranking import (
    WINDOW_PRIOR,
    window_prior,
)
from askbrief.text import normalize


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
