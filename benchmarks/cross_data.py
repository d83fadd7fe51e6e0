"""The questions cross_reader.py trains and measures on, read from fit_data.py's caches.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python benchmarks/cross_reader.py [--sets A,B]

Training questions: train/ and every ../shared/eval/more/<set> whose questions are cached
(.cache/eval/<set>/items-v2.npz and index/CURRENT), or those named by --sets, with their
cached cross-period negatives (items-v2-negatives-*.npz, from the other training sets); dev
for reporting only. A question's candidates are the first stage's best DEPTH (12) by
c.score; `split` holds out a calibration share grouped by question text, and `groups_of`
labels the pairs the cross-encoder trains on (module docstring of cross_reader.py).
Paths are relative: run from the project root.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

EVAL = Path(".cache/eval")
SHARED = Path("../shared/eval")
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


def pairs_of(it: dict) -> list[tuple[str, str]]:
    """(question, candidate text) for the reader's candidates, best first."""
    return [(it["question"], it["cands"][i].text) for i in top(it)]


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
