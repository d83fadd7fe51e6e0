"""Answer quality of askbrief against plain retrievers: same data, same 5-quote budget, one table.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/quality.py [DATASET_DIR] [--limit N]

DATASET_DIR defaults to /work/shared/eval/dev (articles.jsonl + questions.jsonl). Systems:

- askbrief: `askbrief.eval.evaluate.evaluate` (Index.ask as shipped; index cached in
  .cache/eval/<dataset>/index, built on first use).
- BM25 / sentences: bm25s (Lucene BM25, English stop words, PyStemmer English stemming) over
  every sentence of every article (askbrief's splitter); the top 5 sentences are the quotes.
- dense / sentences: the same MiniLM model through askbrief's Embedder, exact inner-product
  FAISS search over every sentence; top 5 sentences.
- dense / 512-char chunks: fixed 512-character windows, 50 characters of overlap; top 5 chunks.

Baselines never abstain, except BM25 when no sentence shares a term with the question.
Sentence and chunk vectors are cached as .npy under .cache/bench/<dataset>/. The first run
embeds ~76k sentences and ~19k chunks (~10 minutes on 2 idle cores, far longer on a busy
machine); askbrief's own index is built by the first `askbrief eval` or run of this script.
Reruns take about 4 minutes, nearly all of it askbrief answering 336 questions. Answering
sees only question texts; gold answers are read only to score.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from common import SHARED_EVAL, arg_parser  # noqa: E402

from askbrief.config import MODEL_ID, Settings  # noqa: E402
from askbrief.console import ProgressBars  # noqa: E402
from askbrief.eval.data import (  # noqa: E402
    Question,
    QuestionRecord,
    Scores,
    is_hit,
    load_articles,
    load_questions,
    score_records,
)
from askbrief.eval.evaluate import evaluate  # noqa: E402
from askbrief.ingest.chunking import split_sentences  # noqa: E402
from askbrief.ingest.embedding import Embedder  # noqa: E402

DEFAULT_DATASET = SHARED_EVAL / "dev"
BUDGET = 5
CHUNK_CHARS, CHUNK_OVERLAP = 512, 50


@dataclass(frozen=True)
class Units:
    """Quotable pieces of the corpus, in article order."""

    kind: str
    texts: list[str]


@dataclass(frozen=True)
class Row:
    system: str
    scores: Scores
    seconds: float  # answering all questions, excluding corpus embedding


def sentence_units(articles: Sequence[dict[str, str]], max_tokens: int) -> Units:
    texts = [
        a["text"][s.start : s.end] for a in articles for s in split_sentences(a["text"], max_tokens)
    ]
    return Units("sentences", texts)


def chunk_units(articles: Sequence[dict[str, str]]) -> Units:
    """Naive fixed windows: no regard for words or sentences."""
    step = CHUNK_CHARS - CHUNK_OVERLAP
    texts = []
    for a in articles:
        text = a["text"]
        for start in range(0, max(len(text) - CHUNK_OVERLAP, 1), step):
            texts.append(text[start : start + CHUNK_CHARS])
    return Units(f"{CHUNK_CHARS}-char chunks", texts)


# --- retrievers: question texts in, quote lists out -----------------------------------------


def bm25_quotes(units: Units, questions: Sequence[str]) -> list[list[str]]:
    """Top sentences by BM25; a question sharing no term with any sentence gets none."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(units.texts, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    vocab = retriever.vocab_dict
    out = []
    for q in questions:
        tokens = bm25s.tokenize(
            [q], stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False
        )[0]
        known = [t for t in tokens if t in vocab]
        if not known:
            out.append([])
            continue
        ids, scores = retriever.retrieve([known], k=BUDGET, show_progress=False)
        out.append([units.texts[i] for i, s in zip(ids[0], scores[0], strict=True) if s > 0])
    return out


def dense_quotes(
    units: Units,
    vectors: np.ndarray,
    embedder: Embedder,
    questions: Sequence[str],
    k: int = BUDGET,
) -> list[list[str]]:
    """Top k units by cosine (exact search); never abstains."""
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    _, ids = index.search(embedder.embed(list(questions)), k)
    return [[units.texts[i] for i in row if i >= 0] for row in ids]


def cached_vectors(units: Units, embedder: Embedder, cache: Path) -> np.ndarray:
    """Embeddings of all units, stored as .npy keyed by model and content."""
    digest = hashlib.sha256("\x00".join([MODEL_ID, *units.texts]).encode()).hexdigest()[:16]
    path = cache / f"{units.kind.replace(' ', '-')}-{digest}.npy"
    if path.is_file():
        return np.load(path)
    t0 = time.perf_counter()
    order = sorted(range(len(units.texts)), key=lambda i: len(units.texts[i]))
    vecs = np.zeros((len(order), embedder.dim), dtype=np.float32)
    batch = 2048
    for lo in range(0, len(order), batch):
        part = order[lo : lo + batch]
        vecs[part] = embedder.embed([units.texts[i] for i in part])
        _say(f"  embedded {min(lo + batch, len(order))}/{len(order)} {units.kind}")
    seconds = time.perf_counter() - t0
    _say(f"  {len(order)} {units.kind} in {seconds:.0f} s ({len(order) / seconds:.0f}/s)")
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs)
    return vecs


# --- scoring --------------------------------------------------------------------------------


def score(questions: Sequence[Question], quotes: Sequence[list[str]]) -> Scores:
    records = [
        QuestionRecord(
            id=q.id,
            type=q.type,
            answerable=q.answerable,
            answered=bool(qs),
            hit=is_hit(q.answer, qs) if q.answer is not None else None,
            confidence=0.0,
            n_quotes=len(qs),
            chars=sum(map(len, qs)),
            first_hit=is_hit(q.answer, qs[:1]) if q.answer is not None else None,
            quote_hits=sum(is_hit(q.answer, [x]) for x in qs) if q.answer is not None else 0,
        )
        for q, qs in zip(questions, quotes, strict=True)
    ]
    return score_records(records)


def timed(
    system: str, questions: Sequence[Question], answer: Callable[[list[str]], list[list[str]]]
) -> Row:
    t0 = time.perf_counter()
    quotes = answer([q.question for q in questions])
    seconds = time.perf_counter() - t0
    return Row(system, score(questions, quotes), seconds)


def render(rows: Sequence[Row], dataset: Path) -> str:
    head = (
        "system",
        "answer first",
        "answer recall",
        "quote prec.",
        "med. quotes",
        "med. chars",
        "off-period refused",
        "answerable refused",
        "abst. P / R",
        "answer s",
    )
    table = [head]
    for r in rows:
        s = r.scores
        table.append(
            (
                r.system,
                f"{s.first_hits}/{s.answerable} = {s.answer_first:.3f}",
                f"{s.hits}/{s.answerable} = {s.answer_recall:.3f}",
                f"{s.quote_precision:.3f}",
                f"{s.median_quotes:g}",
                f"{s.median_chars:g}",
                f"{s.off_period_refused}/{s.off_period}",
                f"{s.answerable_refused}/{s.answerable}",
                f"{_precision(s)} / {s.abstention_recall:.2f}",
                f"{r.seconds:.0f}",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    lines = [f"answer quality on {dataset}, at most {BUDGET} quotes per answer"]
    for n, row in enumerate(table):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(
        "abst. P / R: precision / recall of refusing, over all null-answer questions; "
        "answer s: seconds to answer every question (corpus embedding excluded)"
    )
    return "\n".join(lines)


def _precision(s: Scores) -> str:
    """Undefined, not 0, for a system that never refuses."""
    return f"{s.abstention_precision:.2f}" if s.refused else "n/a"


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = arg_parser(__doc__)
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--limit", type=int, default=None, help="Only the first N questions.")
    args = parser.parse_args(argv)
    dataset: Path = args.dataset
    questions = load_questions(dataset / "questions.jsonl", args.limit)
    embedder = Embedder()
    cache = Path(".cache/bench") / dataset.resolve().name
    rows = []

    _say("askbrief ...")
    t0 = time.perf_counter()
    with ProgressBars() as bars:
        report = evaluate(
            dataset, limit=args.limit, embedder=embedder, diagnostics=False, progress=bars
        )
    rows.append(Row("askbrief", report.scores, time.perf_counter() - t0 - report.build_seconds))
    # The same quotes with abstention off: every question answered, as the baselines do, so
    # this row compares quote choice alone and the row above adds what refusing costs.
    t0 = time.perf_counter()
    report = evaluate(
        dataset, limit=args.limit, embedder=embedder, diagnostics=False, min_confidence=-1.0
    )
    rows.append(Row("  the same, abstention off", report.scores, time.perf_counter() - t0))

    articles = load_articles(dataset / "articles.jsonl")
    sentences = sentence_units(articles, Settings.load().max_tokens)
    chunks = chunk_units(articles)
    _say(f"BM25 over {len(sentences.texts)} sentences ...")
    rows.append(
        timed(
            f"BM25 / all {len(sentences.texts)} sentences",
            questions,
            lambda qs: bm25_quotes(sentences, qs),
        )
    )
    _say("dense over sentences ...")
    svecs = cached_vectors(sentences, embedder, cache)
    rows.append(
        timed(
            f"dense / all {len(sentences.texts)} sentences",
            questions,
            lambda qs: dense_quotes(sentences, svecs, embedder, qs),
        )
    )
    _say("dense over chunks ...")
    cvecs = cached_vectors(chunks, embedder, cache)
    rows.append(
        timed(
            f"dense / {len(chunks.texts)} {chunks.kind}",
            questions,
            lambda qs: dense_quotes(chunks, cvecs, embedder, qs),
        )
    )
    # The same retriever held to about askbrief's character budget instead of its quote count.
    for k in (1, 2):
        rows.append(
            timed(
                f"  the same, top {k} ({k * CHUNK_CHARS} chars)",
                questions,
                lambda qs, k=k: dense_quotes(chunks, cvecs, embedder, qs, k),
            )
        )
    print(render(rows, dataset))


if __name__ == "__main__":
    main()
