"""Fit askbrief's rankers, reader and answer model on training questions; report on held-out ones.

    .venv/bin/python benchmarks/fit_ranker.py ../shared/eval/train ../shared/eval/dev [--write]

Everything that learns is fitted on TRAIN (its questions *and answers*: this is training) and
on synthetic questions made from TRAIN's own articles (synthetic.py); the figures printed for
DEV come from models that never saw a DEV question, so they are out of sample. Each dataset's
index is the one `askbrief eval DATASET` builds and caches (.cache/eval/<name>/index), built
here if missing. With --write the weights go to src/askbrief/ranker.json; nothing else here
ships with the product.

What is fitted, in the order the product applies it:
1. two first-stage sentence models over SENTENCE_FEATURES (logistic regression; a positive
   sentence holds the gold answer): `sentence`, the evidence the answer model reads, and
   `order`, which picks the READER_DEPTH sentences the reader reads;
2. the reader over READER_FEATURES, fitted for the first position: a listwise (softmax over
   the sentences read) objective, then calibrated into a probability of holding the answer;
3. keep_ratio: a quote after the first is kept while its probability is at least this share
   of the first one's; chosen on TRAIN for recall plus quote precision at a median of at most
   MAX_MEDIAN_QUOTES quotes;
4. the answer model over QUESTION_FEATURES (answerable or not), and its threshold: the one
   that refuses the most null questions while refusing at most --max-false-refusal of the
   answerable TRAIN questions, on cross-validated probabilities.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from askbrief import Settings, build_index
from askbrief.answer import Candidate, reading_order, select, widen
from askbrief.evaluate import link_articles
from askbrief.index import Index, spread
from askbrief.ranking import (
    QUESTION_FEATURES,
    READER_FEATURES,
    RECENCY,
    SENTENCE_FEATURES,
    read_positions,
    reader_features,
)
from askbrief.text import normalize

RANKER = Path(__file__).resolve().parent.parent / "src" / "askbrief" / "ranker.json"
CACHE = Path(".cache/eval")
SYNTHETIC_WEIGHT = 0.15  # each synthetic set's sentences weigh this times the real ones'
MAX_MEDIAN_QUOTES = 3
ANSWER_C = 0.3


# --- data ---------------------------------------------------------------------------------


def open_dataset(dataset: Path) -> Index:
    """The dataset's cached evaluation index, built (incrementally) if needed."""
    home = CACHE / dataset.resolve().name
    articles = link_articles(dataset / "articles.jsonl", home / "articles")
    settings = Settings.load(articles_dir=articles, index_dir=home / "index", min_confidence=-1.0)
    build_index(settings, show_progress=True)
    return Index(settings)


def collect(idx: Index, questions: list[dict], cache: Path) -> list[dict]:
    """Every question's candidates and signals as Index.score computes them; labels from the
    gold answer. The reader's own-sentence vectors are cached beside (alone.npz)."""
    if cache.exists():
        items = np.load(cache, allow_pickle=True)["items"].tolist()
        if len(items) == len(questions):
            return items
    items = []
    t0 = time.time()
    for n, q in enumerate(questions):
        scored = idx.score(q["question"])
        gold = normalize(q["answer"]) if q.get("answer") else None
        labels = np.array([bool(gold) and gold in normalize(c.text) for c in scored.candidates])
        qvec, _ = idx._query(q["question"], ())
        items.append(
            {
                "id": q["id"],
                "type": q.get("type", "answer-in-corpus"),
                "answerable": q.get("answer") is not None,
                "gold": q.get("answer") or "",
                "cands": scored.candidates,
                "X": scored.sentence_features,
                "y": labels,
                "Q": scored.question_features,
                "qvec": qvec,
            }
        )
        if n % 100 == 0:
            print(
                f"  {cache.stem}: {n}/{len(questions)} ({time.time() - t0:.0f} s)", file=sys.stderr
            )
    np.savez(cache, items=np.array(items, dtype=object))
    return items


class Alone:
    """Sentences embedded on their own (as the reader embeds them), cached on disk."""

    def __init__(self, idx: Index, path: Path) -> None:
        self.idx, self.path = idx, path
        self.vecs: dict[str, np.ndarray] = {}
        if path.exists():
            data = np.load(path, allow_pickle=True)
            self.vecs = dict(zip(data["texts"].tolist(), data["vecs"], strict=True))
        self.dirty = False

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vecs))
        if missing:
            for t, v in zip(missing, self.idx.embedder.embed(missing), strict=True):
                self.vecs[t] = v
            self.dirty = True
        return np.array([self.vecs[t] for t in texts], dtype=np.float32)

    def save(self) -> None:
        if self.dirty:
            texts = list(self.vecs)
            vecs = np.array([self.vecs[t] for t in texts])
            np.savez(self.path, texts=np.array(texts, dtype=object), vecs=vecs)
            self.dirty = False


def questions_of(dataset: Path) -> list[dict]:
    return [json.loads(x) for x in (dataset / "questions.jsonl").open() if x.strip()]


def synthetic_items(idx: Index, home: Path) -> list[list[dict]]:
    """Synthetic questions (headlines, clozes) from the index's own articles, collected."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import synthetic

    sets = []
    for name, make in (
        ("headline", synthetic.headline_questions),
        ("cloze", synthetic.cloze_questions),
    ):
        qs = [
            {"id": f"{name}{n}", **q, "type": "answer-in-corpus"}
            for n, q in enumerate(make(idx.store))
        ]
        items = collect(idx, qs, home / f"synthetic-{name}.npz")
        sets.append([it for it in items if len(it["X"]) and it["y"].any()])
        print(f"synthetic {name} questions: {len(sets[-1])} with a candidate holding the answer")
    return sets


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


def read(it: dict, order_w: np.ndarray, order_b: float, alone: Alone) -> dict:
    """What the reader sees for one question under a first-stage `order` model."""
    if not len(it["X"]):
        return {"pos": [], "R": np.zeros((0, len(READER_FEATURES))), "y": np.zeros(0, bool)}
    order = it["X"] @ order_w + order_b
    pos = read_positions(order)
    cands = it["cands"]
    cos = alone([cands[i].text for i in pos]) @ it["qvec"]
    opening = [cands[i].idx == 0 for i in pos]
    R = reader_features(order, pos, cos, opening, it["X"])
    return {"pos": pos, "R": R, "y": it["y"][pos]}


def fit_reader(
    groups: list[dict], weights: Sequence[float], l2: float = 0.01
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Listwise: maximise the softmax probability, over the sentences read for a question,
    of those holding the answer (questions with at least one). Then a one-signal logistic
    regression turns the score into a probability. Returns (weights, bias) on the raw
    reader signals, and the standardisation used."""
    use = [(g, w) for g, w in zip(groups, weights, strict=True) if g["y"].any()]
    R = np.vstack([g["R"] for g, _ in use])
    mu, sd = R.mean(0), R.std(0) + 1e-9
    mats = [((g["R"] - mu) / sd, g["y"], w) for g, w in use]
    total = sum(w for _, _, w in mats)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        f, grad = l2 * 0.5 * theta @ theta, l2 * theta
        for Z, y, w in mats:
            s = Z @ theta
            s = s - s.max()
            e = np.exp(s)
            p_all = e / e.sum()
            p_pos = e[y] / e[y].sum()
            f -= w / total * (np.log(e[y].sum()) - np.log(e.sum())) * len(mats)
            grad -= w / total * (p_pos @ Z[y] - p_all @ Z) * len(mats)
        return f / len(mats), grad / len(mats)

    theta = minimize(loss, np.zeros(R.shape[1]), jac=True, method="L-BFGS-B").x
    raw = theta / sd
    # calibration: P(holds the answer | reader score), on every sentence read
    allR = np.vstack([g["R"] for g in groups if len(g["R"])])
    ally = np.concatenate([g["y"] for g in groups if len(g["R"])])
    s = (allR @ raw)[:, None]
    cal = LogisticRegression(C=100.0, max_iter=2000).fit(s, ally)
    a, b = float(cal.coef_[0, 0]), float(cal.intercept_[0])
    return raw * a, b, mu, sd


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
    stage's weight, which stays 1."""
    theta = start.copy()
    best = top1_hits(groups, weights, theta)
    steps = np.array([-2, -1, -0.5, -0.25, -0.1, 0.1, 0.25, 0.5, 1, 2])
    for _ in range(rounds):
        moved = False
        for j in range(1, len(theta)):  # 0 is the first stage's score, the unit of scale
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
    """The product's quote choice (answer.select, widen, reading order) over an index."""

    def __init__(self, idx: Index) -> None:
        self.store = idx.store
        self.budget = idx.settings.answer_chars
        self.articles: dict[str, object] = {}

    def __call__(self, it: dict, g: dict, probs: np.ndarray, ratio: float, k: int = 5) -> list:
        read_c = [
            Candidate(
                c.article_id, c.idx, c.start, c.end, c.text, float(p), c.following, c.headline
            )
            for c, p in zip((it["cands"][i] for i in g["pos"]), probs, strict=True)
        ]
        chosen = select(read_c, k, ratio)
        for c in chosen:
            if c.article_id not in self.articles:
                self.articles[c.article_id] = self.store.article(c.article_id)
        arts = {c.article_id: self.articles[c.article_id] for c in chosen}
        return reading_order(widen(chosen, arts, self.budget), arts)  # type: ignore[arg-type]


def quote_figures(items: list[dict], groups: list[dict], probs: list, quoter: Quoter, ratio: float):
    """Over answerable questions, answering all: answer first, recall, quote precision,
    median quotes and articles, median characters."""
    first = hits = good = shown = 0
    nq, na, chars = [], [], []
    n = 0
    for it, g, p in zip(items, groups, probs, strict=True):
        if not it["answerable"]:
            continue
        n += 1
        if not len(g["pos"]):
            continue
        quotes = quoter(it, g, p, ratio)
        gold = normalize(it["gold"])
        held = [gold in normalize(c.text) for c in quotes]
        first += bool(held and held[0])
        hits += any(held)
        good += sum(held)
        shown += len(held)
        nq.append(len(quotes))
        na.append(len({c.article_id for c in quotes}))
        chars.append(sum(len(c.text) for c in quotes))
    return {
        "n": n,
        "first": first,
        "recall": hits,
        "precision": good / max(1, shown),
        "quotes": float(np.median(nq)),
        "articles": float(np.median(na)),
        "chars": float(np.median(chars)),
    }


def question_signals(it: dict, coef: np.ndarray, bias: float, g: dict, probs: np.ndarray):
    """The question signals as Index.score computes them under these models: those that
    depend on which sentence is best follow the refitted models."""
    q = it["Q"].copy()
    if not len(it["X"]):
        q[0] = -10.0
        return q
    s = it["X"] @ coef + bias
    evidence = s - coef[RECENCY] * it["X"][:, RECENCY]
    b = int(np.argmax(evidence))
    qi = QUESTION_FEATURES.index
    q[qi("top_score")] = evidence[b]
    q[qi("fresh_match")] = float(it["X"][b, RECENCY]) * q[qi("top_passage")]
    q[qi("spread")] = spread(it["cands"], s)
    q[qi("reader_top")] = float(probs.max()) if len(probs) else 0.0
    q[qi("alone_top")] = (
        float(g["R"][:, READER_FEATURES.index("alone")].max()) if len(probs) else 0.0
    )
    return q


def fit_answer_model(Q: np.ndarray, t: np.ndarray, used: list[int], budget: float):
    """Logistic regression answerable-vs-not over the question signals in `used`, and the
    threshold refusing at most `budget` of the answerable questions on 5-fold
    cross-validated probabilities (the model's fit to its own data would be optimistic)."""
    Qu = Q[:, used]
    mu, sd = Qu.mean(0), Qu.std(0) + 1e-9
    Z = (Qu - mu) / sd
    p = np.zeros(len(Z))
    for a, b in StratifiedKFold(5, shuffle=True, random_state=0).split(Z, t):
        p[b] = (
            LogisticRegression(C=ANSWER_C, max_iter=2000).fit(Z[a], t[a]).predict_proba(Z[b])[:, 1]
        )
    th = max(x for x in np.linspace(0.01, 0.99, 99) if (p[t] < x).mean() <= budget)
    m = LogisticRegression(C=ANSWER_C, max_iter=2000).fit(Z, t)
    coef = np.zeros(len(QUESTION_FEATURES))
    coef[used] = m.coef_[0] / sd
    bias = float(m.intercept_[0] - (m.coef_[0] * mu / sd).sum())
    return coef, bias, float(th)


def answer_probs(Q: np.ndarray, coef: np.ndarray, bias: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(Q @ coef + bias)))


# --- the run ------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("train", type=Path)
    ap.add_argument("dev", type=Path)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--synthetic", type=float, default=SYNTHETIC_WEIGHT)
    ap.add_argument("--max-false-refusal", type=float, default=0.10)
    ap.add_argument("--question-features", default=",".join(QUESTION_FEATURES))
    ap.add_argument("--reader-features", default=",".join(READER_FEATURES))
    args = ap.parse_args()

    data = {}
    for name, path in (("train", args.train), ("dev", args.dev)):
        idx = open_dataset(path)
        home = CACHE / path.resolve().name
        items = collect(idx, questions_of(path), home / "fit-items.npz")
        data[name] = (idx, home, items, Alone(idx, home / "alone.npz"))
    tidx, thome, train, talone = data["train"]
    didx, _, dev, dalone = data["dev"]
    synth = synthetic_items(tidx, thome) if args.synthetic > 0 else []

    labelled = [it for it in train if it["answerable"] and len(it["X"])]
    print(
        f"train: {len(train)} questions, {len(labelled)} answerable with candidates, "
        f"{sum(it['y'].any() for it in labelled)} with the answer among them"
    )
    coef, bias = fit_sentence_ranker(labelled)
    order, order_b = fit_sentence_ranker(labelled, synth, args.synthetic)

    # the reader, on the first stage's best sentences under the refitted order model
    tg = [read(it, order, order_b, talone) for it in train]
    sg = [read(it, order, order_b, talone) for s in synth for it in s]
    talone.save()
    dg = [read(it, order, order_b, dalone) for it in dev]
    dalone.save()
    keep = [READER_FEATURES.index(f) for f in args.reader_features.split(",")]
    mask = np.zeros(len(READER_FEATURES), bool)
    mask[keep] = True
    for g in tg + sg + dg:
        g["R"] = np.where(mask, g["R"], 0.0)
    n_real = sum(g["y"].any() for g, it in zip(tg, train, strict=True) if it["answerable"])
    n_syn = max(1, sum(g["y"].any() for g in sg))
    real = [g for g, it in zip(tg, train, strict=True) if it["answerable"]]
    weights = [1.0] * len(real) + [args.synthetic * n_real / n_syn] * len(sg)
    rw, rb, _, _ = fit_reader(real + sg, weights)
    rw = np.where(mask, rw, 0.0)
    print(
        "reader weights:",
        {f: round(float(w), 3) for f, w in zip(READER_FEATURES, rw, strict=True)},
        round(rb, 3),
    )
    tprobs = [reader_scores(g, rw, rb) for g in tg]
    dprobs = [reader_scores(g, rw, rb) for g in dg]

    tq, dq = Quoter(tidx), Quoter(didx)
    # the first stage alone, as a baseline: its own order, its sigmoid as probability
    base = [1 / (1 + np.exp(-g["R"][:, 0])) if len(g["R"]) else np.zeros(0) for g in dg]
    b5 = quote_figures(dev, dg, base, dq, 0.0)
    print(
        f"dev, first stage only, 5 quotes: first {b5['first']}/{b5['n']}, recall {b5['recall']}, "
        f"precision {b5['precision']:.3f}"
    )

    best = None
    print(
        "keep_ratio  train: first recall prec quotes | dev: first recall prec quotes articles chars"
    )
    for ratio in np.round(np.linspace(0.0, 0.9, 19), 2):
        ft = quote_figures(train, tg, tprobs, tq, ratio)
        fd = quote_figures(dev, dg, dprobs, dq, ratio)
        print(
            f"  {ratio:.2f}  {ft['first']:4d} {ft['recall']:4d} {ft['precision']:.3f} {ft['quotes']:.0f}"
            f"  | {fd['first']:4d} {fd['recall']:4d} {fd['precision']:.3f} {fd['quotes']:.0f} "
            f"{fd['articles']:.0f} {fd['chars']:.0f}"
        )
        objective = ft["recall"] / ft["n"] + ft["precision"]
        if ft["quotes"] <= MAX_MEDIAN_QUOTES and (best is None or objective > best[0]):
            best = (objective, float(ratio), fd)
    assert best is not None
    _, ratio, fd = best
    print(
        f"keep_ratio {ratio:.2f} (chosen on train); dev: answer first {fd['first']}/{fd['n']} "
        f"= {fd['first'] / fd['n']:.3f}, recall {fd['recall']}/{fd['n']} = {fd['recall'] / fd['n']:.3f}, "
        f"quote precision {fd['precision']:.3f}, median quotes {fd['quotes']:.0f}, "
        f"articles {fd['articles']:.0f}, chars {fd['chars']:.0f}"
    )

    # the answer model
    used = [QUESTION_FEATURES.index(f) for f in args.question_features.split(",")]
    Qt = np.array(
        [question_signals(it, coef, bias, g, p) for it, g, p in zip(train, tg, tprobs, strict=True)]
    )
    Qd = np.array(
        [question_signals(it, coef, bias, g, p) for it, g, p in zip(dev, dg, dprobs, strict=True)]
    )
    tt = np.array([it["answerable"] for it in train])
    td = np.array([it["answerable"] for it in dev])
    types_d = np.array([it["type"] for it in dev])
    types_t = np.array([it["type"] for it in train])
    models = {}
    for dated, feats in (
        (True, used),
        (False, [u for u in used if QUESTION_FEATURES[u] != "fresh_match"]),
    ):
        qc, qb, th = fit_answer_model(Qt, tt, feats, args.max_false_refusal)
        models[dated] = (qc, qb, th)
        pt, pd = answer_probs(Qt, qc, qb), answer_probs(Qd, qc, qb)
        label = "dated" if dated else "undated"
        print(
            f"answer model ({label}) threshold {th:.2f}; train: answerable refused "
            f"{(pt[tt] < th).mean():.3f}, off-period refused {(pt[types_t == 'off-period'] < th).mean():.3f}; "
            f"dev: answerable refused {(pd[td] < th).sum()}/{td.sum()} = {(pd[td] < th).mean():.3f}, "
            f"off-period refused {(pd[types_d == 'off-period'] < th).sum()}/{(types_d == 'off-period').sum()} "
            f"= {(pd[types_d == 'off-period'] < th).mean():.3f}, unanswerable refused "
            f"{(pd[types_d == 'unanswerable'] < th).mean():.3f}"
        )
        for f, c in zip(QUESTION_FEATURES, qc, strict=True):
            print(f"    {f:12s} {c:+.3f}")

    undated = float(np.mean([it["X"][int(np.argmax(it["X"] @ coef)), RECENCY] for it in labelled]))
    if args.write:

        def named(names, w, b):
            return {f: round(float(c), 6) for f, c in zip(names, w, strict=True)} | {
                "bias": round(b, 6)
            }

        out = {
            "sentence": named(SENTENCE_FEATURES, coef, bias),
            "order": named(SENTENCE_FEATURES, order, order_b),
            "reader": named(READER_FEATURES, rw, rb),
            "keep_ratio": ratio,
            "question": named(QUESTION_FEATURES, models[True][0], models[True][1]),
            "threshold": round(models[True][2], 4),
            "question_undated": named(QUESTION_FEATURES, models[False][0], models[False][1]),
            "threshold_undated": round(models[False][2], 4),
            "undated": round(undated, 4),
            "fitted_on": "shared/eval/train (RealTime QA 2023) and synthetic questions from its "
            f"articles; benchmarks/fit_ranker.py --synthetic {args.synthetic} "
            f"--max-false-refusal {args.max_false_refusal}",
        }
        RANKER.write_text(json.dumps(out, indent=2) + "\n")
        print(f"wrote {RANKER}")


if __name__ == "__main__":
    main()
