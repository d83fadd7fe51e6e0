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

The code, by what it does: fit_data.py asks the questions and caches what the ranker saw;
fit_quoting.py simulates the product's reading and quoting on that; fit_models.py fits the
models; fit_report.py reports a fit on DEV; this file reads the options, fits, and writes
ranker.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_data import NEGATIVES_PER_SET, Dataset, synthetic_items  # noqa: E402
from fit_models import (  # noqa: E402
    SYNTHETIC_WEIGHT,
    fit_answer_model,
    fit_marks,
    fit_reader,
    fit_sentence_ranker,
    reader_scores,
)
from fit_quoting import Env, gates, question_signals, read  # noqa: E402
from fit_report import apply, figures, show  # noqa: E402

from askbrief.ask.ranking import (  # noqa: E402
    MARK_FEATURES,
    QUESTION_FEATURES,
    READER_FEATURES,
    SENTENCE_FEATURES,
)

RANKER = Path(__file__).resolve().parent.parent / "src" / "askbrief" / "ranker.json"
MAX_MEDIAN_QUOTES = 3
RECALL_KEPT = 0.9


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
