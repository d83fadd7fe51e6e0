"""The FAISS folder and Milvus Lite side by side: build, disk, memory and ask() latency.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/stores.py [--sizes 10000 100000] [--questions 60]

Both stores are built by `askbrief.build_index` and asked through `Index.ask`, the code a
user runs. The corpus is synthetic, so 100k passages fit in minutes: articles of random
pseudo-words (Zipf-distributed over a 30,000-word vocabulary) chunked by the real chunker,
and "embedded" by a stand-in that turns each text into a fixed random unit vector (the real
model runs ~30 passages/s here; a store's latency does not depend on what vectors mean).
Questions are a few mid-frequency words, so keyword search has work to do.

Each store is measured in a fresh process (open, one warm-up question, then the questions):
resident memory after opening, and per-question latency of the three searches and of the
whole ask(). Built stores are cached under .cache/bench-stores/<size>/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
from common import DIM, PYTHON, ROOT, arg_parser, percentile, rss_mb

CACHE = ROOT / ".cache" / "bench-stores"
VOCAB = 30_000


class HashEmbedder:
    """Stand-in for the model: a text's vector is a random unit vector seeded by its hash."""

    batch_size = 256
    backend = "hash"

    def embed(self, texts, progress=False):  # type: ignore[no-untyped-def]
        return np.vstack([_vector(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)

    def embed_passages(self, texts, spans):  # type: ignore[no-untyped-def]
        vectors = self.embed(texts)
        spans_out = [
            [_vector(f"{t}\x00{a}:{b}") for a, b in s] for t, s in zip(texts, spans, strict=True)
        ]
        return vectors, spans_out


def _vector(text: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
    v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def vocabulary() -> list[str]:
    rng = np.random.default_rng(7)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words = {"".join(rng.choice(letters, size=rng.integers(4, 10))) for _ in range(VOCAB * 2)}
    return sorted(words)[:VOCAB]


def write_corpus(folder: Path, passages: int) -> None:
    """Articles of ~40 sentences until the chunker would give about `passages` passages
    (calibrated: ~10 pseudo-words a sentence, ~3 new sentences a 160-token passage)."""
    words = vocabulary()
    rng = np.random.default_rng(passages)
    zipf = 1.0 / np.arange(1, len(words) + 1)
    zipf /= zipf.sum()
    folder.mkdir(parents=True, exist_ok=True)
    per_article = 40
    articles = max(1, int(passages * 2.7 / per_article))
    with open(folder / "synthetic.jsonl", "w", encoding="utf-8") as out:
        for a in range(articles):
            sentences = []
            for _ in range(per_article):
                n = int(rng.integers(6, 16))
                picked = rng.choice(len(words), size=n, p=zipf)
                sentences.append(" ".join(words[i] for i in picked).capitalize() + ".")
            text = " ".join(sentences)
            title = " ".join(words[i] for i in rng.choice(len(words), size=5, p=zipf)).title()
            out.write(json.dumps({"id": f"a{a:07d}", "title": title, "text": text}) + "\n")


def questions(n: int) -> list[str]:
    words = vocabulary()
    rng = np.random.default_rng(1)
    picks = rng.integers(200, 5000, size=(n, 3))
    return [f"What did {words[a]} say about {words[b]} and {words[c]}?" for a, b, c in picks]


def build(size: int) -> dict[str, dict[str, float]]:
    import askbrief

    folder = CACHE / str(size)
    out: dict[str, dict[str, float]] = {}
    if not (folder / "articles").is_dir():
        write_corpus(folder / "articles", size)
    for kind, store in (("faiss", folder / "faiss"), ("milvus-lite", folder / "idx.db")):
        done = folder / f"{kind}.build.json"
        if done.is_file():
            out[kind] = json.loads(done.read_text())
            continue
        shutil.rmtree(store, ignore_errors=True)
        settings = askbrief.Settings.load(articles_dir=folder / "articles", store=str(store))
        t0 = time.perf_counter()
        report = askbrief.build_index(settings, HashEmbedder())  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        out[kind] = {
            "passages": report.passages,
            "build_s": seconds,
            "disk_mb": _du(store) / 2**20,
        }
        done.write_text(json.dumps(out[kind]))
    return out


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure(store: str, n: int) -> dict[str, float | str]:
    """In this (fresh) process: open the store, warm up, then time n questions."""
    import askbrief
    from askbrief.ask.retrieve import QUOTE_PASSAGES, SENTENCE_HITS
    from askbrief.text import terms

    rss0 = rss_mb()
    t0 = time.perf_counter()
    idx = askbrief.Index(askbrief.Settings.load(store=store), HashEmbedder())  # type: ignore[arg-type]
    opened = time.perf_counter() - t0
    qs = questions(n + 1)
    idx.ask(qs[0])  # warm-up: Milvus Lite builds its keyword postings on the first search
    rss = rss_mb() - rss0
    s = idx.store
    times: dict[str, list[float]] = {"search": [], "sentences": [], "keywords": [], "ask": []}
    for q in qs[1:]:
        vec = HashEmbedder().embed([q])[0]
        _timed(times["search"], s.search, vec, max(20, QUOTE_PASSAGES))
        _timed(times["sentences"], s.search_sentences, vec, SENTENCE_HITS)
        _timed(times["keywords"], s.search_keywords, terms(q), SENTENCE_HITS)
        _timed(times["ask"], idx.ask, q)
    out: dict[str, float | str] = {
        "open_s": opened,
        "rss_mb": rss,
        "sentences": s.manifest["sentences"],
        "vectors": _vector_indexes(s),
    }
    s.close()
    for name, ms in times.items():
        out[f"{name}_p50"] = statistics.median(ms)
        out[f"{name}_p95"] = percentile(ms, 95)
    return out


def _vector_indexes(store) -> str:  # type: ignore[no-untyped-def]
    """Which vector index each store searched: passages / sentences."""
    from askbrief.store.faiss.read import FaissStore
    from askbrief.store.faiss.vectors import describe_vector_index

    if isinstance(store, FaissStore):
        kinds = describe_vector_index(store.dense), describe_vector_index(store.sentence_vecs)
        return " / ".join(kinds)
    return "FLAT / FLAT"


def _timed(out: list[float], fn, *args) -> None:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn(*args)
    out.append((time.perf_counter() - t) * 1000)


def main() -> None:
    parser = arg_parser(__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--measure", nargs=2, metavar=("STORE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]))))
        return
    rows = []
    for size in args.sizes:
        built = build(size)
        for kind, store in (("faiss", "faiss"), ("milvus-lite", "idx.db")):
            path = CACHE / str(size) / store
            result = subprocess.run(
                [PYTHON, __file__, "--measure", str(path), str(args.questions)],
                capture_output=True,
                text=True,
                check=True,
            )
            m = json.loads(result.stdout.strip().splitlines()[-1])
            rows.append((size, kind, built[kind], m))
    print(f"{args.questions} questions per store, 2 CPU cores; times in ms (median / p95)\n")
    header = (
        "| passages / sentences | store (vector index) | build | disk | RSS after open | open "
        "| dense passages | dense sentences | BM25 | whole ask() |"
    )
    print(header)
    print("|" + " --- |" * 10)
    for _, kind, b, m in rows:
        print(
            f"| {b['passages']:,} / {m['sentences']:,} | {kind} ({m['vectors']}) "
            f"| {b['build_s']:.0f} s | {b['disk_mb']:.0f} MB "
            f"| {m['rss_mb']:.0f} MB | {m['open_s']:.1f} s "
            f"| {m['search_p50']:.1f} / {m['search_p95']:.1f} "
            f"| {m['sentences_p50']:.1f} / {m['sentences_p95']:.1f} "
            f"| {m['keywords_p50']:.1f} / {m['keywords_p95']:.1f} "
            f"| {m['ask_p50']:.0f} / {m['ask_p95']:.0f} |"
        )


if __name__ == "__main__":
    main()
