"""Experiment: does a cross-encoder fine-tuned from the bundled all-MiniLM-L6-v2 weights help the
reader? It re-scores the first stage's best READER_DEPTH (12) candidates of each question as
(question, sentence) pairs, and is measured on dev (../shared/eval/dev, reporting only) for

  (a) answer first: among answerable questions, the share whose top candidate holds the gold
      answer, by the first stage's order (c.score, the baseline), by the cross-encoder, and by a
      logistic blend of both;
  (b) refusing off-period questions: ROC AUC of the best cross score over the 12 for answerable
      against off-period questions, and the share of off-period questions refused when the
      threshold refuses 10% of answerable ones, against the same for the best passage cosine
      (question feature Q[1], "top_passage");
  (c) inference time per question (12 pairs) in torch and as an int8 ONNX export.

Training questions: train/ and every ../shared/eval/more/<set> whose questions are cached
(.cache/eval/<set>/items-v2.npz and index/CURRENT), or those named by --sets, with their cached
cross-period negatives (items-v2-negatives-*.npz, from the other training sets). A quarter of them (grouped by question text, seeded) is held out
as the calibration split: the blend, the thresholds and the choice between variants are fitted
there, on cross scores of questions the cross-encoder never trained on. Nothing is fitted on dev.

Labels: answerable questions, 1 for a candidate holding the gold answer, else 0 (questions with
no positive in the 12 skipped unless --keep-nopos); off-period questions (own and cross-period)
all 0; unanswerable questions skipped unless --unanswerable-neg. --loss bce is pointwise;
--loss listwise is a softmax over the 12 and a fixed "nothing here" logit of 0.

Run from the project root (models and scores cached under .cache/cross/<variant>/):
    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python benchmarks/cross_reader.py [--onnx]
    ... --keep-nopos | --unanswerable-neg | --loss listwise   (the variants tried)

The code, by what it does: cross_data.py reads the cached questions and splits them;
cross_model.py trains, scores and times the cross-encoder (c); cross_measures.py computes
(a) and (b); this file reads the options and prints the figures.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import arg_parser, comma_list  # noqa: E402
from cross_data import SHARED, groups_of, is_cached, load_data, split, top  # noqa: E402
from cross_measures import (  # noqa: E402
    best,
    blend_fit,
    blend_scores,
    first_share,
    first_stage,
    ragged,
    refusal,
)
from cross_model import OnnxScorer, latency_torch, onnx_export, score, train  # noqa: E402

OUT = Path(".cache/cross")


def main() -> None:
    ap = arg_parser(__doc__)
    ap.add_argument("--keep-nopos", action="store_true",
                    help="answerable questions with no positive in the 12: all-negative, not skipped")  # fmt: skip
    ap.add_argument(
        "--unanswerable-neg", action="store_true", help="unanswerable: all 0, not skipped"
    )
    ap.add_argument("--loss", choices=("bce", "listwise"), default="bce")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--batch", type=int, default=24, help="pairs per step")
    ap.add_argument("--max-length", type=int, default=96, help="tokens; 2.4%% of pairs longer")
    ap.add_argument("--max-steps", type=int, default=0, help="cap on optimizer steps (0: none)")
    ap.add_argument("--calibration", type=float, default=0.25, help="share of training held out")
    ap.add_argument("--sets", default="",
                    help="training sets, comma-separated (default: train and every cached more/ set)")  # fmt: skip
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget", type=float, default=28.0, help="training minutes at most")
    ap.add_argument("--onnx", action="store_true", help="also export, quantise and time int8 ONNX")
    ap.add_argument("--latency-n", type=int, default=60, help="dev questions timed")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(2)
    command = "HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python " + " ".join(sys.argv)
    print(f"$ {command}")
    if not args.sets:
        more = sorted(p.name for p in (SHARED / "more").iterdir() if is_cached(p.name))
        args.sets = ",".join(["train", *more])
    keys = ("sets", "keep_nopos", "unanswerable_neg", "loss", "epochs", "lr", "batch", "max_length",
            "calibration", "seed", "budget", "max_steps")  # fmt: skip
    config = {k: getattr(args, k) for k in keys}
    name = (
        "-".join(
            [
                args.loss,
                "nopos" if args.keep_nopos else "pos",
                "unans" if args.unanswerable_neg else "ans",
            ]
        )
        + "-"
        + hashlib.sha1(json.dumps(config, sort_keys=True).encode()).hexdigest()[:8]
    )
    out = OUT / name
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config, indent=1))
    print(f"variant {name}: {config}")

    print("data:")
    train_items, dev = load_data(comma_list(args.sets))
    fit, cal = split(train_items, args.calibration, args.seed)
    groups = groups_of(fit, args)
    npos = sum(int(g[2].sum()) for g in groups)
    npairs = sum(len(g[1]) for g in groups)
    print(f"  fit questions {len(fit)} -> {len(groups)} groups, {npairs} pairs ({npos} positive);"
          f" calibration questions {len(cal)}; dev {len(dev)}")  # fmt: skip

    if (out / "model" / "config.json").exists():
        from sentence_transformers import CrossEncoder

        model = CrossEncoder(str(out / "model"), device="cpu", max_length=args.max_length)
        took = json.loads((out / "train.json").read_text())["seconds"]
        print(f"trained model cached in {out}/model")
    else:
        print("training:")
        model, took = train(groups, args, out)
    info = json.loads((out / "train.json").read_text())
    print(f"training time {took / 60:.1f} min ({info['steps']}/{info['of']} steps, "
          f"{args.epochs} epoch(s) of {npairs} pairs)")  # fmt: skip

    cache = out / "scores.npz"
    if cache.exists():
        data = np.load(cache, allow_pickle=True)
        cal_x, dev_x = list(data["cal"]), list(data["dev"])
    else:
        t0 = time.time()
        cal_x, dev_x = score(model, cal), score(model, dev)
        print(f"scored {len(cal) + len(dev)} questions in {time.time() - t0:.0f} s")
        np.savez(cache, cal=ragged(cal_x), dev=ragged(dev_x))

    lr = blend_fit(cal, cal_x)
    coef = ", ".join(f"{c:.3f}" for c in [*lr.coef_[0], lr.intercept_[0]])
    cal_b, dev_b = blend_scores(lr, cal, cal_x), blend_scores(lr, dev, dev_x)
    n_dev = sum(it["answerable"] for it in dev)
    n_cal = sum(it["answerable"] for it in cal)
    reach = lambda its: np.mean([bool(it["y"][top(it)].any()) for it in its if it["answerable"]])  # noqa: E731

    print("\n(a) answer first: share of answerable questions whose top of the 12 holds the gold")
    print(f"    (calibration: {n_cal} answerable held-out training questions; dev: {n_dev})")
    print(f"  {'':34s} {'calibration':>11s} {'dev':>7s}")
    for label, c, d in (
        ("first stage (c.score, baseline)", first_stage(cal), first_stage(dev)),
        ("cross-encoder", cal_x, dev_x),
        (f"blend (logistic: cross, c.score, b = {coef})", cal_b, dev_b),
    ):
        print(f"  {label:34s} {first_share(cal, c):11.1%} {first_share(dev, d):7.1%}")
    print(f"  {'ceiling (gold anywhere in the 12)':34s} {reach(cal):11.1%} {reach(dev):7.1%}")

    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    print("\n(b) answerable vs off-period on dev (thresholds from training questions)")
    q1_all = np.array([it["Q"][1] for it in train_items])
    q1_cal = np.array([it["Q"][1] for it in cal])
    q1_dev = np.array([it["Q"][1] for it in dev])
    print(refusal("best passage cosine Q[1]", train_items, q1_all, dev, q1_dev))
    print(refusal("  (threshold on calibration only)", cal, q1_cal, dev, q1_dev))
    print(refusal("max cross logit over the 12", cal, best(cal_x), dev, best(dev_x)))
    print(refusal("max blend over the 12", cal, best(cal_b), dev, best(dev_b)))
    # the two together: logistic on the calibration split's answerable vs off-period
    m = np.array([it["answerable"] or it["type"] == "off-period" for it in cal])
    Xc = np.c_[best(cal_x), q1_cal]
    Xd = np.c_[best(dev_x), q1_dev]
    both = LogisticRegression().fit(Xc[m], np.array([it["answerable"] for it in cal])[m])
    print(refusal("logistic(max cross, Q[1])", cal, both.decision_function(Xc), dev,
                  both.decision_function(Xd)))  # fmt: skip
    ca = np.array([it["answerable"] for it in cal])
    print(f"  calibration-split AUC: max cross {roc_auc_score(ca[m], best(cal_x)[m]):.3f}, "
          f"Q[1] {roc_auc_score(ca[m], q1_cal[m]):.3f} "
          f"({ca[m].sum()} answerable, {(~ca[m]).sum()} off-period)")  # fmt: skip

    print(f"\n(c) inference, median per question of 12 pairs over {args.latency_n} dev questions, "
          f"{torch.get_num_threads()} threads")  # fmt: skip
    print(f"  torch fp32: {latency_torch(model, dev, args.latency_n):.1f} ms")
    if args.onnx:
        fp32, int8 = onnx_export(model, out)
        for label, f in (("onnx fp32", fp32), ("onnx int8", int8)):
            s = OnnxScorer(f, model)
            dx = s.items(dev)
            agree = np.mean(
                [np.argmax(a) == np.argmax(b) for a, b in zip(dx, dev_x, strict=True) if len(a)]
            )
            da = np.array([it["answerable"] for it in dev])
            keep = da | np.array([it["type"] == "off-period" for it in dev])
            print(f"  {label}: {s.latency(dev, args.latency_n):.1f} ms, "
                  f"{f.stat().st_size / 2**20:.1f} MB; same top as torch {agree:.1%}, "
                  f"answer first {first_share(dev, dx):.1%}, "
                  f"AUC {roc_auc_score(da[keep], best(dx)[keep]):.3f}")  # fmt: skip
    print(f"\n(figures above from: {command})")


if __name__ == "__main__":
    main()
