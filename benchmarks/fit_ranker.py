"""Fit askbrief's sentence ranker and answer/abstain model on a dev set, with cross-validation.

    .venv/bin/python benchmarks/fit_ranker.py ../shared/eval/dev [--index .cache/eval/dev/index] [--write]

The index is the one `askbrief eval ../shared/eval/dev` builds and caches (the default).
Reads the dev questions *and answers* (it is training, not answering): for every question it
asks the library for its candidate sentences and their signals (`Index.score`), labels a
sentence positive when it contains the gold answer, fits a logistic regression over sentence
signals (5-fold, grouped by question) and then one over question signals (answerable vs not),
prints cross-validated figures, and with --write stores the weights in src/askbrief/ranker.json.
The sentence ranker also learns from synthetic questions made from the index's own articles
(synthetic.py; `--synthetic 0` leaves them out); they weigh in training only, never in the
figures. Nothing here ships with the product but the fitted weights.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold

from askbrief import Settings
from askbrief.answer import Candidate, select, widen
from askbrief.index import Index, spread
from askbrief.ranking import QUESTION_FEATURES, SENTENCE_FEATURES
from askbrief.text import normalize

RANKER = Path(__file__).resolve().parent.parent / "src" / "askbrief" / "ranker.json"


def collect(dataset: Path, index_dir: Path, cache: Path) -> list[dict]:
    if cache.exists():
        return np.load(cache, allow_pickle=True)["items"].tolist()
    idx = Index(Settings.load(index_dir=index_dir))
    items = []
    questions = [json.loads(x) for x in (dataset / "questions.jsonl").open()]
    for n, q in enumerate(questions):
        scored = idx.score(q["question"])
        gold = normalize(q["answer"]) if q["answer"] else None
        labels = np.array([bool(gold) and gold in normalize(c.text) for c in scored.candidates])
        items.append(
            {
                "id": q["id"],
                "type": q["type"],
                "answerable": q["answer"] is not None,
                "cands": scored.candidates,
                "X": scored.sentence_features,
                "y": labels,
                "Q": scored.question_features,
            }
        )
        if n % 25 == 0:
            print(f"  scored {n}/{len(questions)}", file=sys.stderr)
    np.savez(cache, items=np.array(items, dtype=object))
    return items


Widen = Callable[[list[Candidate]], list[Candidate]]


def windows(index_dir: Path) -> Widen:
    """The product's quote windows (answer.widen) over the index's own articles."""
    store = Index(Settings.load(index_dir=index_dir)).store

    def apply(chosen: list[Candidate]) -> list[Candidate]:
        articles = {c.article_id: store.article(c.article_id) for c in chosen}
        return widen(chosen, articles, Settings().answer_chars)  # type: ignore[arg-type]

    return apply


def recall_at(
    items: list[dict], scores: list[np.ndarray], widen_quotes: Widen, k: int = 5
) -> tuple[int, float]:
    """Answerable questions whose gold answer is in the k quotes the product would give
    (near-duplicates dropped, windows), and the median characters of those answers."""
    hits, chars = 0, []
    for it, s in zip(items, scores, strict=True):
        if not it["answerable"] or len(s) == 0:
            continue
        ranked = [
            Candidate(c.article_id, c.idx, c.start, c.end, c.text, float(v), c.following)
            for c, v in zip(it["cands"], s, strict=True)
        ]
        chosen = widen_quotes(select(ranked, k))
        chars.append(sum(len(c.text) for c in chosen))
        gold = normalize(it["gold"])
        hits += any(gold in normalize(c.text) for c in chosen)
    return hits, float(np.median(chars)) if chars else 0.0


def fit_answer_model(
    Q: np.ndarray, t: np.ndarray, types: np.ndarray, used: list[int], args, label: str
) -> tuple[dict[str, float], float]:
    """Logistic regression answerable-vs-not over the question signals in `used`, and the
    threshold that refuses the most null questions within the false-refusal budget (5-fold CV)."""
    Q = Q[:, used]
    qmu, qsd = Q.mean(0), Q.std(0) + 1e-9
    # With --clean, trained on answerable vs off-period only: on-topic questions whose answer
    # the articles happen not to state look like answerable ones to every signal here. All
    # null questions are still scored below.
    clean = types != "unanswerable" if args.clean else np.ones(len(types), bool)
    prob = np.zeros(len(Q))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(Q, types):
        train = train[clean[train]]
        m = LogisticRegression(C=0.3, max_iter=2000).fit((Q[train] - qmu) / qsd, t[train])
        prob[test] = m.predict_proba((Q[test] - qmu) / qsd)[:, 1]
    best = None
    for th in np.linspace(0.05, 0.95, 91):
        refuse = prob < th
        false_ref = refuse[t].mean()
        if false_ref <= args.max_false_refusal:
            off = refuse[types == "off-period"].mean()
            best = (th, false_ref, off, refuse[~t].mean())
    assert best is not None
    th, false_ref, off, null_ref = best
    refuse = prob < th
    prec = (~t & refuse).sum() / max(1, refuse.sum())
    print(
        f"answer model, {label} (5-fold CV) at threshold {th:.2f}: answerable refused "
        f"{false_ref:.3f}, off-period refused {off:.3f}, all-null refused {null_ref:.3f}, "
        f"abstention precision {prec:.3f}"
    )
    qm = LogisticRegression(C=0.3, max_iter=2000).fit((Q[clean] - qmu) / qsd, t[clean])
    qcoef = np.zeros(len(QUESTION_FEATURES))
    qcoef[used] = qm.coef_[0] / qsd
    qbias = float(qm.intercept_[0] - (qm.coef_[0] * qmu / qsd).sum())
    for f, c in zip(QUESTION_FEATURES, qcoef, strict=True):
        print(f"  {f:12s} {c:+.3f}")
    weights = {f: round(float(c), 6) for f, c in zip(QUESTION_FEATURES, qcoef, strict=True)}
    return weights | {"bias": round(qbias, 6)}, round(float(th), 4)


# Synthetic questions (synthetic.py) train the quote-ordering model only; each set's
# sentences together weigh SYNTHETIC_WEIGHT times the dev questions' sentences.
SYNTHETIC_WEIGHT = 0.15


def fit_sentence_ranker(
    labelled: list[dict], synthetic: Sequence[list[dict]] = (), weight: float = SYNTHETIC_WEIGHT
) -> tuple[np.ndarray, float]:
    """Logistic regression over sentence signals (positives hold the gold answer), returned
    as weights and bias on the raw signals, the form ranker.json keeps. Classes are balanced
    (as class_weight="balanced" does) after the synthetic sets are weighted in."""
    X = np.vstack([it["X"] for it in labelled])
    y = np.concatenate([it["y"] for it in labelled])
    w = np.ones(len(y))
    n_dev = len(y)
    for extra in synthetic if weight > 0 else ():
        Xs = np.vstack([it["X"] for it in extra])
        ys = np.concatenate([it["y"] for it in extra])
        X, y = np.vstack([X, Xs]), np.concatenate([y, ys])
        w = np.concatenate([w, np.full(len(ys), weight * n_dev / len(ys))])
    mu, sd = X.mean(0), X.std(0) + 1e-9
    balance = np.where(y, 0.5 * w.sum() / w[y].sum(), 0.5 * w.sum() / w[~y].sum())
    m = LogisticRegression(C=1.0, max_iter=3000).fit((X - mu) / sd, y, sample_weight=w * balance)
    return m.coef_[0] / sd, float(m.intercept_[0] - (m.coef_[0] * mu / sd).sum())


def collect_synthetic(index_dir: Path) -> list[list[dict]]:
    """Signals of the synthetic questions (headlines, clozes) made from the index's own
    articles, cached beside the dev set's; only questions with a labelled candidate count."""
    import synthetic

    idx = Index(Settings.load(index_dir=index_dir))
    sets = []
    for name, make in (
        ("headline", synthetic.headline_questions),
        ("cloze", synthetic.cloze_questions),
    ):
        folder = index_dir.parent / f"synthetic-{name}"
        cache = index_dir.parent / f"synthetic-{name}.npz"
        if not cache.exists():
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / "questions.jsonl").open("w") as f:
                for n, q in enumerate(make(idx.store)):
                    row = {"id": f"{name}{n}", **q, "type": "answer-in-corpus"}
                    f.write(json.dumps(row) + "\n")
        items = collect(folder, index_dir, cache)
        sets.append([it for it in items if len(it["X"]) and it["y"].any()])
        print(f"synthetic {name} questions: {len(sets[-1])} with a candidate holding the answer")
    return sets


FRESH = SENTENCE_FEATURES.index("recency")
FRESH_MATCH, TOP_PASSAGE, SPREAD = (
    QUESTION_FEATURES.index("fresh_match"),
    QUESTION_FEATURES.index("top_passage"),
    QUESTION_FEATURES.index("spread"),
)


def question_signals(
    it: dict, coef: np.ndarray, bias: float
) -> tuple[np.ndarray, np.ndarray, float | None]:
    """The question signals as Index.score computes them under this ranker: the signals that
    depend on which sentence is best (on evidence, without its recency term) follow it.
    Returns (question signals, sentence scores, recency of the best sentence's article)."""
    q = it["Q"].copy()
    if not len(it["X"]):
        q[0] = -10.0
        return q, np.zeros(0), None
    s = it["X"] @ coef + bias
    evidence = s - coef[FRESH] * it["X"][:, FRESH]
    b = int(np.argmax(evidence))
    recency = float(it["X"][b, FRESH])
    q[0], q[FRESH_MATCH] = evidence[b], recency * q[TOP_PASSAGE]
    q[SPREAD] = spread(it["cands"], s)
    return q, s, recency


def end_to_end(
    items: list[dict],
    max_false_refusal: float,
    widen_quotes: Widen,
    used: list[int],
    synthetic: Sequence[list[dict]] = (),
    weight: float = SYNTHETIC_WEIGHT,
    splits: int = 6,
) -> None:
    """The whole shipped pipeline cross-validated: for each fold, fit the ranker on the
    training questions, the answer model on their signals, pick the threshold on them, then
    answer the held-out questions. Averaged over `splits` random 5-fold partitions
    (stratified by question type), so it estimates what unseen questions would get."""
    types = np.array([it["type"] for it in items])
    t = np.array([it["answerable"] for it in items])
    totals = []
    for seed in range(splits):
        hits = hits_all = off = refused = 0
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        for train, test in folds.split(np.zeros(len(items)), types):
            labelled = [items[i] for i in train if items[i]["answerable"] and len(items[i]["X"])]
            coef, bias = fit_sentence_ranker(labelled)
            order, order_bias = fit_sentence_ranker(labelled, synthetic, weight)
            Q = np.array([question_signals(items[i], coef, bias)[0][used] for i in train])
            qmu, qsd = Q.mean(0), Q.std(0) + 1e-9
            Z, tt = (Q - qmu) / qsd, t[train]
            qm = LogisticRegression(C=0.3, max_iter=2000).fit(Z, tt)
            # The threshold as fit_answer_model picks it: on cross-validated probabilities
            # of the training questions, not on the model's own (optimistic) fit to them.
            p = np.zeros(len(train))
            for a, b in StratifiedKFold(5, shuffle=True, random_state=0).split(Z, types[train]):
                inner = LogisticRegression(C=0.3, max_iter=2000).fit(Z[a], tt[a])
                p[b] = inner.predict_proba(Z[b])[:, 1]
            th = max(
                x for x in np.linspace(0.01, 0.99, 99) if (p[tt] < x).mean() <= max_false_refusal
            )
            for i in test:
                q = question_signals(items[i], coef, bias)[0][used]
                s = items[i]["X"] @ order + order_bias if len(items[i]["X"]) else np.zeros(0)
                answered = qm.predict_proba(((q - qmu) / qsd)[None])[0, 1] >= th
                if items[i]["answerable"]:
                    refused += not answered
                    hit = bool(len(s)) and recall_at([items[i]], [s], widen_quotes)[0] == 1
                    hits_all += hit
                    hits += hit and answered
                elif items[i]["type"] == "off-period":
                    off += not answered
        totals.append((hits, hits_all, off, refused))
    mean = np.mean(totals, axis=0)
    n_ans, n_off = int(t.sum()), int((types == "off-period").sum())
    print(
        f"end to end ({splits} x 5-fold CV): answer recall {mean[0]:.1f}/{n_ans} "
        f"({mean[1]:.1f} without abstention), off-period refused {mean[2]:.1f}/{n_off}, "
        f"answerable refused {mean[3]:.1f}/{n_ans}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--index", type=Path, default=Path(".cache/eval/dev/index"))
    ap.add_argument("--write", action="store_true")
    ap.add_argument(
        "--clean", action="store_true", help="fit the answer model without on-topic nulls"
    )
    ap.add_argument("--question-features", default=",".join(QUESTION_FEATURES))
    ap.add_argument("--max-false-refusal", type=float, default=0.15)
    ap.add_argument(
        "--synthetic",
        type=float,
        default=SYNTHETIC_WEIGHT,
        help="weight of each synthetic question set against the dev questions (0: none)",
    )
    args = ap.parse_args()
    cache = args.index.parent / "fit-features.npz"
    items = collect(args.dataset, args.index, cache)
    synthetic = collect_synthetic(args.index) if args.synthetic > 0 else []
    golds = {
        json.loads(x)["id"]: json.loads(x)["answer"]
        for x in (args.dataset / "questions.jsonl").open()
    }
    for it in items:
        it["gold"] = golds[it["id"]] or ""
    answerable = [it for it in items if it["answerable"]]
    n_ans = len(answerable)
    reach = sum(bool(it["y"].any()) for it in answerable)
    print(f"answerable questions: {n_ans}; gold answer among candidates: {reach}")

    current = json.loads(RANKER.read_text())
    w0 = np.array([current.get("order", current["sentence"])[f] for f in SENTENCE_FEATURES])
    widen_quotes = windows(args.index)
    base_hits, base_chars = recall_at(answerable, [it["X"] @ w0 for it in answerable], widen_quotes)
    print(
        f"current weights: recall@5 {base_hits}/{n_ans} = {base_hits / n_ans:.3f}, median chars {base_chars:.0f}"
    )

    # Sentence ranker, 5-fold grouped by question; only answerable questions carry labels.
    groups = np.concatenate([[i] * len(it["y"]) for i, it in enumerate(answerable)])
    X = np.vstack([it["X"] for it in answerable])
    y = np.concatenate([it["y"] for it in answerable])
    cv_scores: list[np.ndarray | None] = [None] * n_ans
    for train, test in GroupKFold(n_splits=5).split(X, y, groups):
        fold_coef, fold_bias = fit_sentence_ranker(
            [answerable[qi] for qi in sorted(set(groups[train]))], synthetic, args.synthetic
        )
        for qi in set(groups[test]):
            cv_scores[qi] = answerable[qi]["X"] @ fold_coef + fold_bias
    cv_hits, cv_chars = recall_at(answerable, cv_scores, widen_quotes)  # type: ignore[arg-type]
    print(
        f"fitted ranker (5-fold CV): recall@5 {cv_hits}/{n_ans} = {cv_hits / n_ans:.3f}, median chars {cv_chars:.0f}"
    )
    coef, bias = fit_sentence_ranker(answerable)
    order, order_bias = fit_sentence_ranker(answerable, synthetic, args.synthetic)
    print("  signal       evidence  order")
    for f, c, o in zip(SENTENCE_FEATURES, coef, order, strict=True):
        print(f"  {f:12s} {c:+8.3f} {o:+8.3f}")

    # Question model: with the fitted ranker's top score; label = the question is answerable.
    for it in items:
        it["Q2"], _, it["recency"] = question_signals(it, coef, bias)
    # An undated article or collection counts as a typical answerable question's best article.
    undated = float(np.mean([it["recency"] for it in answerable if it["recency"] is not None]))
    print(
        f"recency of the best article, answerable questions' mean (used when undated): {undated:.3f}"
    )
    t = np.array([it["answerable"] for it in items])
    types = np.array([it["type"] for it in items])
    Q = np.vstack([it["Q2"] for it in items])
    used = [QUESTION_FEATURES.index(f) for f in args.question_features.split(",")]
    dated = fit_answer_model(Q, t, types, used, args, "dated collection")
    # A collection without dates has no recency signal: its own model, fitted without it.
    undated_used = [u for u in used if u != FRESH_MATCH]
    no_dates = fit_answer_model(Q, t, types, undated_used, args, "undated collection")
    end_to_end(items, args.max_false_refusal, widen_quotes, used, synthetic, args.synthetic)
    if args.write:
        data = {
            "sentence": {
                f: round(float(c), 6) for f, c in zip(SENTENCE_FEATURES, coef, strict=True)
            }
            | {"bias": round(bias, 6)},
            "order": {f: round(float(c), 6) for f, c in zip(SENTENCE_FEATURES, order, strict=True)}
            | {"bias": round(order_bias, 6)},
            "question": dated[0],
            "threshold": dated[1],
            "question_undated": no_dates[0],
            "threshold_undated": no_dates[1],
            "undated": round(undated, 4),
            "fitted_on": "shared/eval/dev (RealTime QA 2024), 5-fold CV; benchmarks/fit_ranker.py"
            + (f" --synthetic {args.synthetic}" if args.synthetic > 0 else " --synthetic 0"),
        }
        RANKER.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {RANKER}")


if __name__ == "__main__":
    main()
