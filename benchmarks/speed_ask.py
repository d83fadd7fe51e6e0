"""ask() latency, for speed.py's `ask` and `scale` sections.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py --only ask [--ask-index DIR]
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py --only scale [--huge]

ask    `Index.ask` with the model loaded (median, p95 over --repeats passes of QUESTIONS),
       split into question embedding, search (FAISS passages + FAISS sentences + BM25) and
       the rest (candidate pool, features, ranking, quote selection), on the largest real
       index the run built (or --ask-index).
scale  the same in a fresh process per size (speed.py --ask-child), on the real index and on
       copies of it with moved vectors (100k passages, and 1M with --huge; cached under
       .cache/bench/speed/scale-N), with the process's peak RSS, the time to open the index
       and to answer the first question, and the recall@10 of its approximate vector
       indexes against exact search.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from common import DIM, PYTHON, load_average, ms, peak_rss_mb, percentile
from speed_faiss import recall_at
from speed_indexing import CACHE

SPEED = Path(__file__).with_name("speed.py")  # runs ask_child for --ask-child

# what timed_asks measures, as the tables name it
STAGES = (
    ("embed question", "embed"),
    ("search (FAISS x2 + BM25)", "search"),
    ("candidates + ranking + quotes", "rest"),
    ("ask() total", "total"),
)
QUESTIONS = [
    "What did the president say about the election results?",
    "Who resigned as party leader after the losses?",
    "How many people were killed in the attack?",
    "What did the central bank decide about interest rates?",
    "Why did the company cut jobs?",
    "What is the death toll from the earthquake?",
    "Who won the championship final?",
    "What did officials say about the investigation?",
    "How much will the new law cost taxpayers?",
    "What did Russia say about the war in Ukraine?",
    "When will the strike end?",
    "What did the court rule?",
    "Who is the new prime minister?",
    "What caused the fire?",
    "What did scientists find in the study?",
    "How did markets react to the inflation report?",
    "What did the police say about the suspect?",
    "Which countries signed the agreement?",
    "What happened at the climate summit?",
    "Who was arrested?",
]


def timed_asks(idx, repeats: int) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    """Ask every question `repeats` times; seconds per ask in total and split into question
    embedding, search (FAISS x2 + BM25) and the rest (candidates, ranking, quotes)."""
    store = idx.store
    spent = {"embed": 0.0, "search": 0.0}

    def timed(fn: Callable, key: str) -> Callable:  # type: ignore[type-arg]
        def wrapper(*a, **k):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[key] += time.perf_counter() - t

        return wrapper

    embed = idx.embedder.embed
    idx.embedder.embed = timed(embed, "embed")
    searches = {
        name: getattr(store, name) for name in ("search", "search_sentences", "search_keywords")
    }
    for name, fn in searches.items():
        setattr(store, name, timed(fn, "search"))
    out: dict[str, list[float]] = {"embed": [], "search": [], "rest": [], "total": []}
    try:
        for _ in range(repeats):
            for q in QUESTIONS:
                spent["embed"] = spent["search"] = 0.0
                t = time.perf_counter()
                idx.ask(q)
                total = time.perf_counter() - t
                out["total"].append(total)
                out["embed"].append(spent["embed"])
                out["search"].append(spent["search"])
                out["rest"].append(total - spent["embed"] - spent["search"])
    finally:
        idx.embedder.embed = embed
        for name, fn in searches.items():
            setattr(store, name, fn)
    return out


def bench_ask(index_dir: Path, embedder, repeats: int) -> list[list[object]]:  # type: ignore[no-untyped-def]
    import askbrief

    idx = askbrief.open_index(index_dir, embedder=embedder)
    store = idx.store
    for q in QUESTIONS[:3]:  # warm-up: first-call overheads
        idx.ask(q)
    times = timed_asks(idx, repeats)
    m = store.manifest
    where = f"real: {m['passages']} passages / {m['sentences']} sentences"
    rows = []
    for name, key in STAGES:
        vals = times[key]
        rows.append([where, name, ms(statistics.median(vals)), ms(percentile(vals, 95)), len(vals)])
    return rows


# ----------------------------------------------------------------------------- ask at scale


def tile_index(real_index: Path, n_passages: int, out: Path) -> Path:
    """An index of about `n_passages` passages made of copies of a real one: the same
    articles, sentences and keyword statistics, under new ids, with each copy's vectors
    moved by noise (cosine ~0.9 to the original) so no two are equal. Built the way
    askbrief would store that many (vectors.fit_vector_index's kinds), without embedding."""
    import sqlite3

    import bm25s
    import faiss
    from bm25s.tokenization import Tokenized

    from askbrief.config import Settings
    from askbrief.store import manifest
    from askbrief.store.faiss import read as store
    from askbrief.store.faiss import vectors
    from askbrief.store.faiss.write import SCHEMA
    from askbrief.text import keyword_tokens

    if (out / "CURRENT").is_file():
        try:  # a tile from an older askbrief (another index format) is made again
            manifest.check_manifest(manifest.read_manifest(store.read_current(out)), out)
            return out
        except Exception:
            pass
    shutil.rmtree(out, ignore_errors=True)
    gen = out / "gen-000001"
    gen.mkdir(parents=True)
    src = store.read_current(real_index)
    src_db = sqlite3.connect(src / store.META_DB)
    found = src_db.execute("SELECT * FROM articles")
    columns = ", ".join(f'"{d[0]}"' for d in found.description)  # as the source has them
    articles = found.fetchall()
    sentences = src_db.execute("SELECT * FROM sentences ORDER BY sid").fetchall()
    passages = src_db.execute("SELECT * FROM passages ORDER BY pid").fetchall()
    entities = src_db.execute("SELECT * FROM entities").fetchall()
    copies = max(1, round(n_passages / len(passages)))
    pid_step = max(p[0] for p in passages) + 1
    sid_step = max(s[0] for s in sentences) + 1
    db = sqlite3.connect(gen / store.META_DB)
    db.executescript(SCHEMA)
    for c in range(copies):
        db.executemany(
            f"INSERT INTO articles ({columns}) VALUES ({', '.join('?' * len(articles[0]))})",
            [(f"{a[0]}~{c}", *a[1:]) for a in articles],
        )
        db.executemany(
            "INSERT INTO sentences VALUES (?, ?, ?, ?, ?)",
            [(s[0] + c * sid_step, f"{s[1]}~{c}", *s[2:]) for s in sentences],
        )
        db.executemany(
            "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?)",
            [(p[0] + c * pid_step, f"{p[1]}~{c}", *p[2:]) for p in passages],
        )
        db.executemany(
            "INSERT INTO entities VALUES (?, ?, ?, ?)",
            [(f"{e[0]}~{c}", *e[1:]) for e in entities],
        )
    db.commit()
    counts = {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("articles", "passages", "sentences")
    }
    db.close()

    rng = np.random.default_rng(0)
    for name, step in ((store.DENSE, pid_step), (store.SENTENCE_VECS, sid_step)):
        ids, vecs = vectors.all_vectors(faiss.read_index(str(src / name)))
        n = len(ids) * copies

        if n < vectors.IVF_MIN_VECTORS:
            index = vectors.new_vector_index()
        else:
            per_copy = max(1, vectors.ivf_lists(n) * vectors.IVF_TRAIN_PER_LIST // copies + 1)
            sample = np.vstack(
                [
                    moved(vecs, c, rng)[
                        rng.choice(len(ids), min(per_copy, len(ids)), replace=False)
                    ]
                    for c in range(min(copies, 64))
                ]
            )
            index = vectors.new_ivf_index(sample, n)
        for c in range(copies):
            index.add_with_ids(moved(vecs, c, rng), ids + c * step)
        faiss.write_index(index, str(gen / name))
        del index

    sids = [s[0] for s in sentences]
    texts = {a[0]: a[2] for a in articles}
    tokens = keyword_tokens([texts[s[1]][s[3] : s[4]] for s in sentences])
    vocab: dict[str, int] = {}
    token_ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in tokens]
    retriever = bm25s.BM25()
    retriever.index(Tokenized(ids=token_ids * copies, vocab=vocab), show_progress=False)
    retriever.save(str(gen / store.KEYWORDS))
    np.save(
        gen / store.KEYWORD_IDS,
        np.concatenate([np.array(sids, dtype=np.int64) + c * sid_step for c in range(copies)]),
    )
    source = manifest.read_manifest(src)
    chunking = {k: source[k] for k in ("max_tokens", "overlap_sentences")}
    counts["newest_article"] = source.get("newest_article")  # dated like the real index
    fields = manifest.manifest_fields(Settings(**chunking))
    written = {**fields, **counts, "files": manifest.file_digests(gen)}
    (gen / manifest.MANIFEST).write_text(json.dumps(written, indent=2), encoding="utf-8")
    (out / "CURRENT").write_text("gen-000001\n", encoding="utf-8")
    return out


def moved(vecs: np.ndarray, copy: int, rng: np.random.Generator) -> np.ndarray:
    """Copy 0 is the real vectors; the others are moved by noise of norm ~0.5."""
    if copy == 0:
        return vecs.copy()
    out = vecs + rng.standard_normal(vecs.shape, dtype=np.float32) * (0.5 / np.sqrt(DIM))
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def ask_child(index_dir: Path, repeats: int) -> None:
    """In a fresh process: open the index, ask, print one JSON line (times and peak RSS)."""
    import askbrief

    t = time.perf_counter()
    from askbrief.ingest.embedding import Embedder

    idx = askbrief.open_index(index_dir, embedder=Embedder())
    store = idx.store
    opened = time.perf_counter() - t
    t = time.perf_counter()
    idx.ask(QUESTIONS[0])
    first = time.perf_counter() - t
    out = timed_asks(idx, repeats)
    m = store.manifest
    rss_mb = peak_rss_mb()  # before the exhaustive searches below touch every page
    recall = []
    qvecs = idx.embedder.embed(QUESTIONS)
    for index, k in ((store.dense, 15), (store.sentence_vecs, 80)):
        if not hasattr(index, "nprobe"):
            recall.append(1.0)  # exact search
            continue
        _, approx = index.search(qvecs, k)
        index.nprobe, nprobe = index.nlist, index.nprobe  # every list: exact over the codes
        _, exact = index.search(qvecs, k)
        index.nprobe = nprobe
        recall.append(recall_at(approx, exact, 10))
    print(
        json.dumps(
            {
                "passages": m["passages"],
                "sentences": m["sentences"],
                "open": opened,
                "first": first,
                "times": out,
                "rss_mb": rss_mb,
                "kinds": [store_kind(store.dense), store_kind(store.sentence_vecs)],
                "recall": recall,
            }
        )
    )


def store_kind(index) -> str:  # type: ignore[no-untyped-def]
    from askbrief.store.faiss.vectors import describe_vector_index

    return describe_vector_index(index)


def bench_scale(real_index: Path, sizes: list[int], repeats: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for n in sizes:
        target = real_index if n == 0 else CACHE / f"scale-{n}"
        if n:
            t = time.perf_counter()
            built = (target / "CURRENT").is_file()
            tile_index(real_index, n, target)
            if not built:
                print(
                    f"  built a {n}-passage index in {time.perf_counter() - t:.0f}s",
                    file=sys.stderr,
                )
        load = load_average()
        proc = subprocess.run(
            [PYTHON, str(SPEED), "--ask-child", str(target), "--repeats", str(repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        times = r["times"]
        where = f"{r['passages']:,} passages / {r['sentences']:,} sentences"
        kinds = " + ".join(r["kinds"])
        kinds += " (recall@10 " + " / ".join(f"{x:.3f}" for x in r["recall"]) + ")"
        for stage, key in STAGES:
            rows.append(
                [
                    where,
                    kinds if key == "total" else "",
                    stage,
                    ms(statistics.median(times[key])),
                    ms(percentile(times[key], 95)),
                    f"{r['rss_mb'] / 1024:.2f}" if key == "total" else "",
                    f"{r['open']:.1f} / {r['first']:.1f}" if key == "total" else "",
                    load,
                ]
            )
    return rows
