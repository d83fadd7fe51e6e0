"""FAISS at scale, for speed.py's `faiss` section: search latency, recall, build time and
memory of exact and approximate vector indexes on synthetic vectors.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py --only faiss [--huge] [--threads N]

Synthetic normalised float32 vectors at 100k (and 1M with --huge) passages and ~5x as many
sentences (capped by --max-sentences; flat search time is linear in n, so larger sizes are
extrapolated and marked "~"): exact IndexFlatIP search latency versus HNSW (IndexHNSWFlat,
M=32) and IVF (IndexIVFFlat), their recall@10 against exact search, build time (all cores)
and memory (serialized index size). Two vector distributions: "random" (uniform on the
sphere: the worst case for approximate search) and "real+noise" (real passage vectors plus
Gaussian noise: clustered like real data). Then what the vectors of 100k and 1M passages take
by encoding (float32, float16, int8, PQ48): arithmetic, nothing built.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

import numpy as np
from common import DIM, load_average, ms, percentile, time_each


def make_vectors(
    n: int, kind: str, seeds: np.ndarray | None, rng: np.random.Generator
) -> np.ndarray:
    out = np.empty((n, DIM), dtype=np.float32)
    step = 200_000
    for lo in range(0, n, step):
        m = min(step, n - lo)
        block = rng.standard_normal((m, DIM), dtype=np.float32)
        if kind == "real+noise" and seeds is not None:
            # noise of norm ~1 around a real vector (cosine ~0.7 to it, ~0.5 between two
            # such): neighbours share a topic, like passages of one story, and the whole set
            # keeps the uneven spread of real embeddings
            block *= 1.0 / np.sqrt(DIM)
            block += seeds[rng.integers(0, len(seeds), m)]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[lo : lo + m] = block
    return out


def search_latency(index, queries: np.ndarray, k: int) -> tuple[list[float], np.ndarray]:  # type: ignore[no-untyped-def]
    """Seconds per query, one at a time, and the ids each found."""
    times, found = time_each(lambda q: index.search(q.reshape(1, -1), k)[1][0], queries)
    return times, np.array(found)


def index_mb(faiss, index) -> float:  # type: ignore[no-untyped-def]
    """Serialized size: vectors plus graph/lists/ids, about what the index holds in memory."""
    return float(faiss.serialize_index(index).nbytes) / 2**20


def approx_row(
    count: int,
    role: str,
    kind: str,
    name: str,
    t_build: float,
    mem: float,
    times: list[float],
    recall: float,
) -> list[str]:
    """One table row for an approximate index."""
    return [
        f"{count:,} {role}",
        kind,
        name,
        f"{t_build:.1f}",
        f"{mem:.0f}",
        f"{recall:.3f}",
        ms(statistics.median(times)),
        ms(percentile(times, 95)),
        load_average(),
    ]


def recall_at(found: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    hits = [len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth, strict=True)]
    return float(np.mean(hits))


def bench_faiss(
    sizes: list[int], seeds: np.ndarray | None, args: argparse.Namespace
) -> list[list[object]]:
    import faiss

    faiss.omp_set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    rows: list[list[object]] = []
    kinds = ["random", "real+noise"] if seeds is not None else ["random"]
    for n in sizes:
        for role, count, k in (("passages", n, 15), ("sentences", 5 * n, 80)):
            real_n = min(count, args.max_sentences) if role == "sentences" else count
            for kind in kinds:
                if role == "sentences" and kind != kinds[-1]:
                    continue  # exact latency does not depend on the data: one is enough
                gc.collect()
                load = load_average()
                xb = make_vectors(real_n, kind, seeds, rng)
                xq = make_vectors(
                    args.queries, "real+noise" if seeds is not None else "random", seeds, rng
                )
                faiss.omp_set_num_threads(os.cpu_count() or 1)
                t = time.perf_counter()
                flat = faiss.IndexIDMap2(faiss.IndexFlatIP(DIM))
                flat.add_with_ids(xb, np.arange(real_n, dtype=np.int64))
                t_build = time.perf_counter() - t
                mem = index_mb(faiss, flat)
                faiss.omp_set_num_threads(args.threads)
                times, truth = search_latency(flat, xq, max(k, 10))
                scale = count / real_n
                mark = "~" if scale > 1 else ""
                rows.append(
                    [
                        f"{count:,} {role}",
                        kind,
                        "exact IndexFlatIP",
                        f"{t_build:.1f}",
                        f"{mark}{mem * scale:.0f}",
                        "1.000",
                        f"{mark}{ms(statistics.median(times) * scale)}",
                        f"{mark}{ms(percentile(times, 95) * scale)}",
                        load,
                    ]
                )
                print(
                    f"  faiss {count} {role} {kind}: exact {ms(statistics.median(times))} ms",
                    file=sys.stderr,
                )
                del flat
                gc.collect()
                if (
                    role == "passages"
                    and (n <= args.hnsw_max)
                    and (kind != "random" or n <= 100_000)
                ):
                    rows += approx_rows(faiss, xb, xq, truth, count, role, kind, k, args)
                del xb
                gc.collect()
    return rows


def approx_rows(faiss, xb, xq, truth, count, role, kind, k, args) -> list[list[object]]:  # type: ignore[no-untyped-def]
    rows: list[list[object]] = []

    def sweep(index, name: str, owner, setting: str, values, t_build: float) -> None:  # type: ignore[no-untyped-def]
        """One row per value of the index's search `setting` (on `owner`), on --threads."""
        mem = index_mb(faiss, index)
        faiss.omp_set_num_threads(args.threads)
        for value in values:
            setattr(owner, setting, value)
            times, found = search_latency(index, xq, max(k, 10))
            recall = recall_at(found, truth)
            rows.append(
                approx_row(count, role, kind, name.format(value), t_build, mem, times, recall)
            )

    # HNSW
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    t = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 40
    hnsw.add(xb)
    t_build = time.perf_counter() - t
    sweep(hnsw, "HNSW32 efSearch={}", hnsw.hnsw, "efSearch", (32, 64, 128, 256), t_build)
    print(f"  faiss {count} {role} {kind}: HNSW built in {t_build:.1f}s", file=sys.stderr)
    del hnsw
    # IVF
    gc.collect()
    nlist = int(4 * np.sqrt(len(xb)))
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    t = time.perf_counter()
    quant = faiss.IndexFlatIP(DIM)
    ivf = faiss.IndexIVFFlat(quant, DIM, nlist, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(1)
    ivf.train(xb[rng.choice(len(xb), min(len(xb), 30 * nlist), replace=False)])
    ivf.add(xb)
    t_build = time.perf_counter() - t
    sweep(ivf, f"IVF{nlist},Flat nprobe={{}}", ivf, "nprobe", (8, 32, 64), t_build)
    print(f"  faiss {count} {role} {kind}: IVF built in {t_build:.1f}s", file=sys.stderr)
    del ivf, quant
    return rows


def memory_rows(n_passages: int) -> list[list[object]]:
    """What the vectors of an index of n passages (5 sentences each) take, by encoding."""
    n_sent = 5 * n_passages
    gib = 1024**3
    rows = []
    for name, per_vec in (
        ("float32 (IndexFlatIP)", DIM * 4),
        ("float16 (IndexScalarQuantizer fp16)", DIM * 2),
        ("int8 (SQ8)", DIM),
        ("PQ48 (48 bytes)", 48),
    ):
        rows.append(
            [
                f"{n_passages:,} passages + {n_sent:,} sentences",
                name,
                f"{n_passages * per_vec / gib:.2f}",
                f"{n_sent * per_vec / gib:.2f}",
                f"{(n_passages + n_sent) * per_vec / gib:.2f}",
            ]
        )
    return rows
