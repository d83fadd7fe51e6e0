"""Speed and memory figures for askbrief: indexing throughput, ask() latency (warm and at
scale), FAISS at scale, cold start. Prints Markdown tables; a measurement to read, not a
timed test (nothing asserts).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py                 # ~1k passages, 100k synthetic
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py --large         # + ~10k real passages
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py --huge          # + 1M synthetic vectors
    .venv/bin/python benchmarks/speed.py --only indexing,ask,scale,faiss,cold   # pick sections

Sections, in the order they run (each module's docstring says how it measures):

indexing  build_index(full=True) against the bare model on the same passages (speed_indexing.py)
ask       Index.ask latency with the model loaded, by stage (speed_ask.py)
scale     the same in a fresh process on the real index and on 100k (1M) passage copies of
          it, with peak RSS, open and first-answer times (speed_ask.py)
faiss     exact, HNSW and IVF search on synthetic vectors: latency, recall@10, build time,
          memory; vector memory by encoding (speed_faiss.py)
cold      fresh-process wall time of askbrief commands and app.py, slowest imports
          (speed_cold.py)

`ask` and `scale` time the last index `indexing` built, else the one it built before
(.cache/bench/speed/index-1000, or index-10000 with --large), or --ask-index. The peak RSS of
this process is printed after `ask`, after `faiss` and at the end. Timings are wall clock on
whatever else the machine is doing: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import numpy as np  # noqa: E402
from common import (  # noqa: E402
    PYTHON,
    ROOT,
    SHARED_EVAL,
    arg_parser,
    comma_list,
    load_average,
    peak_rss_mb,
    print_table,
)
from speed_ask import ask_child, bench_ask, bench_scale  # noqa: E402
from speed_cold import bench_cold  # noqa: E402
from speed_faiss import bench_faiss, memory_rows  # noqa: E402
from speed_indexing import CACHE, bench_indexing  # noqa: E402

DEV_ARTICLES = SHARED_EVAL / "dev" / "articles.jsonl"


def main() -> None:
    parser = arg_parser(__doc__)
    parser.add_argument("--articles", type=Path, default=DEV_ARTICLES)
    parser.add_argument("--large", action="store_true", help="also ~10k real passages")
    parser.add_argument("--huge", action="store_true", help="also 1M synthetic passages")
    parser.add_argument("--only", default="indexing,ask,scale,faiss,cold")
    parser.add_argument("--ask-child", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--ask-index",
        type=Path,
        default=None,
        help="an existing real index to time ask() on (default: the largest "
        "one this run built), e.g. .cache/eval/dev/index (15k passages)",
    )
    parser.add_argument("--repeats", type=int, default=2, help="passes over the questions")
    parser.add_argument("--queries", type=int, default=100, help="FAISS queries per size")
    parser.add_argument(
        "--max-sentences",
        type=int,
        default=1_000_000,
        help="largest sentence index really built; beyond, extrapolated",
    )
    parser.add_argument(
        "--hnsw-max",
        type=int,
        default=1_000_000,
        help="largest passage count to build HNSW/IVF for (random vectors: 100k at most)",
    )
    parser.add_argument("--threads", type=int, default=1, help="FAISS OpenMP threads")
    args = parser.parse_args()
    only = set(comma_list(args.only))
    sys.path.insert(0, str(ROOT / "src"))
    if args.ask_child is not None:
        ask_child(args.ask_child, args.repeats)
        return
    print(
        f"# askbrief speed  ({time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, "
        f"{os.cpu_count()} CPUs, load average at start {load_average()})"
    )
    print(f"command: {' '.join([Path(PYTHON).name, *sys.argv])}")
    CACHE.mkdir(parents=True, exist_ok=True)

    from askbrief.ingest.embedding import Embedder

    embedder = Embedder()
    real_index = None
    if "indexing" in only:
        sizes = [1_000] + ([10_000] if args.large else [])
        rows, real_index = bench_indexing(sizes, args.articles, embedder)
        print_table(
            "Indexing throughput: whole build_index(full=True) vs the bare model "
            "(SentenceTransformer.encode, PyTorch) and vs askbrief's own backend's embed() "
            f"({embedder.backend}) on the same passage texts",
            [
                "corpus",
                "build s",
                "build passages/s",
                "bare ST encode s",
                "bare ST passages/s",
                "ratio vs ST",
                f"bare {embedder.backend} passages/s",
                f"ratio vs {embedder.backend}",
                "load avg 1/5/15",
            ],
            rows,
        )
    elif (CACHE / "index-10000").is_dir() and args.large:
        real_index = CACHE / "index-10000"
    elif (CACHE / "index-1000").is_dir():
        real_index = CACHE / "index-1000"
    if args.ask_index is not None:
        real_index = args.ask_index
    if "ask" in only and real_index is not None:
        rows = bench_ask(real_index, embedder, args.repeats)
        print_table(
            "ask() latency, model loaded (ms)", ["index", "stage", "median", "p95", "n"], rows
        )
        print(f"\npeak RSS so far (model, indexing, real index, ask): {peak_rss_mb():.0f} MB")
    if "scale" in only and real_index is not None:
        sizes = [0, 100_000] + ([1_000_000] if args.huge else [])
        rows = bench_scale(real_index, sizes, args.repeats)
        print_table(
            "ask() at scale: real index, then copies of it with moved vectors; each size in a "
            "fresh process (ms; peak RSS of that process; open / first ask in s)",
            [
                "index",
                "vector indexes",
                "stage",
                "median",
                "p95",
                "peak GiB",
                "open / 1st s",
                "load avg",
            ],
            rows,
        )
    seeds = None
    if real_index is not None:
        import faiss

        from askbrief.store.faiss.read import DENSE, read_current

        dense = faiss.read_index(str(read_current(real_index) / DENSE))
        seeds = dense.index.reconstruct_n(0, dense.ntotal) if hasattr(dense, "index") else None
        seeds = np.ascontiguousarray(seeds, dtype=np.float32) if seeds is not None else None
    if "faiss" in only:
        sizes = [100_000] + ([1_000_000] if args.huge else [])
        rows = bench_faiss(sizes, seeds, args)
        print_table(
            f"FAISS search at scale, 1 query at a time, {args.threads} thread(s); "
            "k=15 passages / 80 sentences; '~' = extrapolated linearly from "
            f"{args.max_sentences:,} vectors",
            [
                "index size",
                "vectors",
                "index",
                f"build s ({os.cpu_count()} thr)",
                "index MB",
                "recall@10",
                "median ms",
                "p95 ms",
                "load avg",
            ],
            rows,
        )
        print_table(
            "Vector memory by encoding (GiB; FAISS flat storage, no graph/ids overhead)",
            ["corpus", "encoding", "passages", "sentences", "total"],
            memory_rows(100_000) + memory_rows(1_000_000),
        )
        print(f"\npeak RSS so far (after FAISS section): {peak_rss_mb():.0f} MB")
    if "cold" in only:
        with tempfile.TemporaryDirectory() as tmp:
            rows, imports = bench_cold(Path(tmp))
        print_table(
            "Cold start (fresh processes, small index of seeds/)",
            ["command", "median s", "min s", "load avg"],
            rows,
        )
        print_table(
            "Slowest top-level imports of `askbrief query` (python -X importtime, cumulative)",
            ["module", "s"],
            imports,
        )
    print(
        f"\npeak RSS of this process: {peak_rss_mb():.0f} MB; load average at end {load_average()}"
    )


if __name__ == "__main__":
    main()
