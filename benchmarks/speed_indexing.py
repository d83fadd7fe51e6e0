"""Indexing throughput, for speed.py's `indexing` section: the whole
`askbrief.build_index(full=True)` against the bare model on the same passage texts, same run.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speed.py --only indexing [--large]

The first articles of --articles (RealTime QA dev data, used only as a source of real news
text) that make ~1k passages (and ~10k with --large) are written to .cache/bench/speed/ and
indexed there; then the passage texts (title + "\\n\\n" + passage, read back from the built
index) are embedded by `SentenceTransformer.encode` (PyTorch) and by askbrief's own backend's
`embed()`. The last index built is the one the `ask` and `scale` sections time.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from common import BENCH_CACHE, load_average

CACHE = BENCH_CACHE / "speed"  # speed.py's subsets, indexes and tiled copies


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
