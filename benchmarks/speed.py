"""Speed and memory figures for askbrief: indexing throughput, ask() latency, FAISS at scale,
cold start. Prints tables; it is a measurement to read, not a timed test (nothing asserts).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py                 # ~1k passages, 100k synthetic
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py --large         # + ~10k real passages
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py --huge          # + 1M synthetic vectors
    .venv/bin/python benchmarks/speed.py --only indexing,ask,faiss,cold   # pick sections

Sections:

indexing  `askbrief.build_index(full=True)` on the first articles of --articles (RealTime QA dev
          data, used only as a source of real news text; subsets are written to
          .cache/bench/speed/) versus the bare model's `SentenceTransformer.encode` on the same
          passage texts (title + "\\n\\n" + passage, read back from the built index), same run.
ask       `Index.ask` latency with the model loaded (median, p95), split into question
          embedding, search (FAISS passages + FAISS sentences + BM25) and the rest (candidate
          pool, features, ranking, quote selection), on the largest real index built.
faiss     synthetic normalised float32 vectors at 100k (and 1M with --huge) passages and ~5x as
          many sentences (capped by --max-sentences; flat search time is linear in n, so larger
          sizes are extrapolated and marked "~"): exact IndexFlatIP search latency versus HNSW
          (IndexHNSWFlat, M=32) and IVF (IndexIVFFlat), their recall@10 against exact search,
          build time (all cores) and memory (serialized index size). Two vector distributions:
          "random" (uniform on the sphere: the worst case for approximate search) and
          "real+noise" (real passage vectors plus Gaussian noise: clustered like real data).
cold      wall time of `askbrief query` as a fresh process on a small index (seeds/), of
          `python app.py` until /ask answers, and the slowest imports (`python -X importtime`).

Timings are wall clock on whatever else the machine is doing: the load average is printed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench" / "speed"
DEV_ARTICLES = ROOT.parent / "shared" / "eval" / "dev" / "articles.jsonl"
PYTHON = sys.executable
DIM = 384

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


# ----------------------------------------------------------------------------- helpers


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the
    parent across fork and exec, so a child started by a big parent would report its size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def table(title: str, header: list[str], rows: list[list[object]]) -> None:
    cells = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    sys.stdout.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ----------------------------------------------------------------------------- indexing


def write_subset(target_passages: int, articles: Path) -> tuple[Path, int]:
    """The first articles of `articles` that make at least `target_passages` passages at the
    default chunk settings (counted with askbrief's own chunker); one jsonl file."""
    from askbrief.config import Settings
    from askbrief.ingest.chunking import chunk

    settings = Settings()
    lines = articles.read_text(encoding="utf-8").splitlines()
    total = n = 0
    for line in lines:
        if total >= target_passages:
            break
        text = json.loads(line).get("text") or ""
        total += len(chunk(text, settings.max_tokens, settings.overlap_sentences).passages)
        n += 1
    folder = CACHE / f"articles-{target_passages}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "articles.jsonl").write_text("\n".join(lines[:n]) + "\n", encoding="utf-8")
    return folder, n


def passage_texts(index_dir: Path) -> list[str]:
    """title + "\\n\\n" + passage text, exactly what build.py embeds."""
    import sqlite3

    from askbrief.store.faiss.read import META_DB, read_current

    db = sqlite3.connect(read_current(index_dir) / META_DB)
    rows = db.execute(
        'SELECT a.title, a.text, p.start, p."end" FROM passages p'
        " JOIN articles a ON a.id = p.article_id ORDER BY p.pid"
    ).fetchall()
    db.close()
    return [f"{title}\n\n{text[s:e]}" for title, text, s, e in rows]


def bench_indexing(sizes: list[int], articles: Path, embedder) -> tuple[list[list[object]], Path]:  # type: ignore[no-untyped-def]
    from sentence_transformers import SentenceTransformer

    import askbrief
    from askbrief.ingest.embedding import model_path

    rows: list[list[object]] = []
    last_index = None
    embedder.model  # load once, outside the timings  # noqa: B018
    reference = SentenceTransformer(str(model_path()), device="cpu")
    for target in sizes:
        folder, n_articles = write_subset(target, articles)
        index_dir = CACHE / f"index-{target}"
        shutil.rmtree(index_dir, ignore_errors=True)
        settings = askbrief.Settings.load(articles_dir=folder, index_dir=index_dir)
        load = load_average()
        t0 = time.perf_counter()
        report = askbrief.build_index(settings, embedder, full=True)
        t_build = time.perf_counter() - t0
        texts = passage_texts(index_dir)
        t0 = time.perf_counter()
        reference.encode(
            texts,
            batch_size=32,  # sentence-transformers' default
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        t_bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        embedder.embed(texts)
        t_backend = time.perf_counter() - t0
        n = report.passages
        from askbrief.store.faiss.read import read_current
        from askbrief.store.manifest import read_manifest

        n_sent = read_manifest(read_current(index_dir)).get("sentences")
        rows.append(
            [
                f"{n_articles} articles / {n} passages / {n_sent} sentences",
                f"{t_build:.1f}",
                f"{n / t_build:.1f}",
                f"{t_bare:.1f}",
                f"{len(texts) / t_bare:.1f}",
                f"{t_bare / t_build:.2f}",
                f"{len(texts) / t_backend:.1f}",
                f"{t_backend / t_build:.2f}",
                load,
            ]
        )
        last_index = index_dir
        print(
            f"  indexing {n} passages: build {t_build:.1f}s, bare encode {t_bare:.1f}s",
            file=sys.stderr,
        )
    assert last_index is not None
    return rows, last_index


# ----------------------------------------------------------------------------- ask latency


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
    totals, embeds, searches, rests = (times[k] for k in ("total", "embed", "search", "rest"))
    m = store.manifest
    where = f"real: {m['passages']} passages / {m['sentences']} sentences"
    rows = []
    for name, vals in (
        ("embed question", embeds),
        ("search (FAISS x2 + BM25)", searches),
        ("candidates + ranking + quotes", rests),
        ("ask() total", totals),
    ):
        rows.append([where, name, ms(statistics.median(vals)), ms(pct(vals, 95)), len(vals)])
    return rows


# ----------------------------------------------------------------------------- FAISS at scale


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
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), k)
        times.append(time.perf_counter() - t)
        found.append(ids[0])
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
        ms(pct(times, 95)),
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
                        f"{mark}{ms(pct(times, 95) * scale)}",
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
    # HNSW
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    t = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 40
    hnsw.add(xb)
    t_build = time.perf_counter() - t
    mem = index_mb(faiss, hnsw)
    faiss.omp_set_num_threads(args.threads)
    for ef in (32, 64, 128, 256):
        hnsw.hnsw.efSearch = ef
        times, found = search_latency(hnsw, xq, max(k, 10))
        rows.append(
            approx_row(
                count,
                role,
                kind,
                f"HNSW32 efSearch={ef}",
                t_build,
                mem,
                times,
                recall_at(found, truth),
            )
        )
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
    mem = index_mb(faiss, ivf)
    faiss.omp_set_num_threads(args.threads)
    for nprobe in (8, 32, 64):
        ivf.nprobe = nprobe
        times, found = search_latency(ivf, xq, max(k, 10))
        rows.append(
            approx_row(
                count,
                role,
                kind,
                f"IVF{nlist},Flat nprobe={nprobe}",
                t_build,
                mem,
                times,
                recall_at(found, truth),
            )
        )
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


# ----------------------------------------------------------------------------- cold start


def bench_cold(tmp: Path) -> tuple[list[list[object]], list[list[object]]]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    index_dir = tmp / "index"
    askbrief_bin = str(Path(PYTHON).parent / "askbrief")
    subprocess.run(
        [askbrief_bin, "index", "--articles", str(ROOT / "seeds"), "--index", str(index_dir), "-q"],
        check=True,
        env=env,
        capture_output=True,
    )
    rows: list[list[object]] = []
    question = "What did Lavrov call a ceasefire?"
    for label, cmd in (
        ("python -c pass", [PYTHON, "-c", "pass"]),
        ("askbrief --help", [askbrief_bin, "--help"]),
        ("askbrief stats", [askbrief_bin, "stats", "--index", str(index_dir)]),
        ("askbrief query", [askbrief_bin, "query", question, "--index", str(index_dir)]),
    ):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, env=env, capture_output=True)
            times.append(time.perf_counter() - t)
        rows.append([label, f"{statistics.median(times):.2f}", f"{min(times):.2f}", load_average()])
    # app.py until /ask answers
    port = free_port()
    log = open(tmp / "app.log", "w")  # noqa: SIM115
    t = time.perf_counter()
    proc = subprocess.Popen(
        [
            PYTHON,
            str(ROOT / "app.py"),
            "--port",
            str(port),
            "--index",
            str(index_dir),
            "--articles",
            str(ROOT / "seeds"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    t_answer = float("nan")
    try:
        from gradio_client import Client

        url = f"http://127.0.0.1:{port}/"
        while time.perf_counter() - t < 300 and proc.poll() is None:
            try:
                client = Client(url, verbose=False)
                client.predict(question, api_name="/ask")
                t_answer = time.perf_counter() - t
                break
            except Exception:  # not up yet
                time.sleep(0.25)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    rows.append(["python app.py until /ask answers", f"{t_answer:.2f}", "-", load_average()])
    # what the query command imports, slowest top-level modules first
    res = subprocess.run(
        [
            PYTHON,
            "-X",
            "importtime",
            "-m",
            "askbrief",
            "query",
            question,
            "--index",
            str(index_dir),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    tops = []
    for line in res.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(3)) == 1:  # top-level imports only
            tops.append((int(m.group(2)), m.group(4)))
    tops.sort(reverse=True)
    imports = [[name, f"{us / 1e6:.2f}"] for us, name in tops[:10]]
    return rows, imports


# ----------------------------------------------------------------------------- ask at scale


def tile_index(real_index: Path, n_passages: int, out: Path) -> Path:
    """An index of about `n_passages` passages made of copies of a real one: the same
    articles, sentences and keyword statistics, under new ids, with each copy's vectors
    moved by noise (cosine ~0.9 to the original) so no two are equal. Built the way
    askbrief would store that many (store.fit_vector_index's kinds), without embedding."""
    import sqlite3

    import bm25s
    import faiss
    from bm25s.tokenization import Tokenized

    from askbrief.config import Settings
    from askbrief.store import manifest
    from askbrief.store.faiss import read as store
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
    articles = src_db.execute("SELECT * FROM articles").fetchall()
    sentences = src_db.execute("SELECT * FROM sentences ORDER BY sid").fetchall()
    passages = src_db.execute("SELECT * FROM passages ORDER BY pid").fetchall()
    entities = src_db.execute("SELECT * FROM entities").fetchall()
    copies = max(1, round(n_passages / len(passages)))
    pid_step = max(p[0] for p in passages) + 1
    sid_step = max(s[0] for s in sentences) + 1
    db = sqlite3.connect(gen / store.META_DB)
    db.executescript(store.SCHEMA)
    for c in range(copies):
        db.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        ids, vecs = store._all_vectors(faiss.read_index(str(src / name)))
        n = len(ids) * copies

        if n < store.IVF_MIN_VECTORS:
            index = store.new_vector_index()
        else:
            per_copy = max(1, store.ivf_lists(n) * store.IVF_TRAIN_PER_LIST // copies + 1)
            sample = np.vstack(
                [
                    moved(vecs, c, rng)[
                        rng.choice(len(ids), min(per_copy, len(ids)), replace=False)
                    ]
                    for c in range(min(copies, 64))
                ]
            )
            index = store.new_ivf_index(sample, n)
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
    from askbrief.store.faiss.read import describe_vector_index

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
            [PYTHON, __file__, "--ask-child", str(target), "--repeats", str(repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        times = r["times"]
        where = f"{r['passages']:,} passages / {r['sentences']:,} sentences"
        kinds = " + ".join(r["kinds"])
        kinds += " (recall@10 " + " / ".join(f"{x:.3f}" for x in r["recall"]) + ")"
        for stage, key in (
            ("embed question", "embed"),
            ("search (FAISS x2 + BM25)", "search"),
            ("candidates + ranking + quotes", "rest"),
            ("ask() total", "total"),
        ):
            rows.append(
                [
                    where,
                    kinds if key == "total" else "",
                    stage,
                    ms(statistics.median(times[key])),
                    ms(pct(times[key], 95)),
                    f"{r['rss_mb'] / 1024:.2f}" if key == "total" else "",
                    f"{r['open']:.1f} / {r['first']:.1f}" if key == "total" else "",
                    load,
                ]
            )
    return rows


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
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
    only = set(args.only.split(","))
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
        table(
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
        table("ask() latency, model loaded (ms)", ["index", "stage", "median", "p95", "n"], rows)
        print(f"\npeak RSS so far (model, indexing, real index, ask): {peak_rss_mb():.0f} MB")
    if "scale" in only and real_index is not None:
        sizes = [0, 100_000] + ([1_000_000] if args.huge else [])
        rows = bench_scale(real_index, sizes, args.repeats)
        table(
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
        table(
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
        table(
            "Vector memory by encoding (GiB; FAISS flat storage, no graph/ids overhead)",
            ["corpus", "encoding", "passages", "sentences", "total"],
            memory_rows(100_000) + memory_rows(1_000_000),
        )
        print(f"\npeak RSS so far (after FAISS section): {peak_rss_mb():.0f} MB")
    if "cold" in only:
        with tempfile.TemporaryDirectory() as tmp:
            rows, imports = bench_cold(Path(tmp))
        table(
            "Cold start (fresh processes, small index of seeds/)",
            ["command", "median s", "min s", "load avg"],
            rows,
        )
        table(
            "Slowest top-level imports of `askbrief query` (python -X importtime, cumulative)",
            ["module", "s"],
            imports,
        )
    print(
        f"\npeak RSS of this process: {peak_rss_mb():.0f} MB; load average at end {load_average()}"
    )


if __name__ == "__main__":
    main()
