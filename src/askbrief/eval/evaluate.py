"""Score askbrief on a question set, by the rules of the eval data's README; the report.

The dataset and the scoring rules are data.py's. Answering reads nothing but each
question's text and goes through `Index.ask`, exactly as `askbrief query` does; gold answers
are read only afterwards, when scoring.

Each question is asked twice on one index and model: once as shipped (every reported number
comes from this answer) and once with abstention off (`min_confidence=-1`), scored once and
quoted twice: the answer it would give, and a deeper pool of quotes (to see where the answer
ranks). `Index.ask` refuses exactly when the answer's confidence is below the threshold and
otherwise gives the answer a threshold does not touch, so the unthresholded answer tells what
any threshold t would do: answer iff confidence >= t, with those quotes. `--dump` writes that
per question, for sweeping thresholds offline. `threshold_mismatches` counts shipped answers
the rule fails to predict: if it is not 0 the library has changed and sweeps over the dump
are stale.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from askbrief.ask.index import Index, clean_question, collection_now
from askbrief.ask.timeframe import resolve
from askbrief.config import Settings
from askbrief.errors import AskbriefError, IndexMismatchError
from askbrief.eval.data import (
    TYPES,
    Question,
    QuestionRecord,
    Scores,
    is_hit,
    link_articles,
    load_questions,
    median,
    percentile,
    score_records,
    share,
)
from askbrief.ingest.embedding import Embedder
from askbrief.location import StoreLocation
from askbrief.records import Answer, BuildReport, Quote
from askbrief.store.build import build_index

RECALL_KS = (1, 5, 10, 20, 50)
POOL_QUOTES = 50  # quotes asked for with abstention off: shows where the answer ranks


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvalReport:
    dataset: str
    index_dir: str
    threshold: float | None  # None: the library's own, unknown here
    max_quotes: int
    scores: Scores
    by_type: dict[str, int]
    hits_without_abstention: int
    pool_hits: int  # answer anywhere in the unthresholded quote pool (up to POOL_QUOTES)
    passage_recall: dict[int, float]  # retrieval stage alone, over answerable questions
    mrr: float  # of the first passage holding the answer, within the deepest k
    latency_median: float
    latency_p95: float
    build_seconds: float
    passages_embedded: int
    articles: int
    passages: int
    threshold_mismatches: int
    errors: int
    confidence_by_type: dict[str, tuple[float, float, float]]  # p10, median, p90
    records: tuple[QuestionRecord, ...] = field(repr=False, default=())

    @property
    def cached(self) -> bool:
        return self.passages_embedded == 0

    def to_dict(self, records: bool = False) -> dict[str, Any]:
        s = self.scores
        out: dict[str, Any] = {
            "dataset": self.dataset,
            "index_dir": self.index_dir,
            "threshold": self.threshold,
            "max_quotes": self.max_quotes,
            "questions": s.questions,
            "by_type": self.by_type,
            "answer_recall": s.answer_recall,
            "answer_hits": s.hits,
            "answer_first": s.answer_first,
            "answer_first_hits": s.first_hits,
            "quote_precision": s.quote_precision,
            "answerable": s.answerable,
            "hits_without_abstention": self.hits_without_abstention,
            "pool_hits": self.pool_hits,
            "passage_recall": {str(k): v for k, v in self.passage_recall.items()},
            "mrr": self.mrr,
            "abstention_precision": s.abstention_precision,
            "abstention_recall": s.abstention_recall,
            "off_period_refused": s.off_period_refused,
            "off_period": s.off_period,
            "off_period_precision": s.off_period_precision,
            "unanswerable_refused": s.unanswerable_refused,
            "unanswerable": s.unanswerable,
            "answerable_refused": s.answerable_refused,
            "mean_quotes": s.mean_quotes,
            "median_quotes": s.median_quotes,
            "mean_articles": s.mean_articles,
            "median_articles": s.median_articles,
            "mean_chars": s.mean_chars,
            "median_chars": s.median_chars,
            "latency_median_s": self.latency_median,
            "latency_p95_s": self.latency_p95,
            "build_seconds": self.build_seconds,
            "passages_embedded": self.passages_embedded,
            "index_cached": self.cached,
            "articles": self.articles,
            "passages": self.passages,
            "threshold_mismatches": self.threshold_mismatches,
            "errors": self.errors,
            "confidence_by_type": {k: list(v) for k, v in self.confidence_by_type.items()},
        }
        if records:
            out["records"] = [r.to_dict() for r in self.records]
        return out

    @property
    def diagnostics(self) -> bool:
        """Were the unthresholded ask and the retrieval-stage search run?"""
        return bool(self.passage_recall)

    def render(self) -> str:
        s = self.scores
        types = ", ".join(f"{n} {t}" for t, n in self.by_type.items())
        rows: list[tuple[str, str]] = [
            ("answer first (in quote [1])", _frac(s.first_hits, s.answerable)),
            ("answer recall (in any quote)", _frac(s.hits, s.answerable)),
            ("quote precision", _frac(s.quote_hits, s.answerable_quotes)),
            *self._diagnostic_rows(),
            ("abstention precision (all null)", _frac(s.null_refused, s.refused)),
            ("abstention recall (all null)", _frac(s.null_refused, s.null_questions)),
            ("off-period refused", _frac(s.off_period_refused, s.off_period)),
            ("  precision vs answerable", f"{s.off_period_precision:.3f}"),
            ("unanswerable refused", _frac(s.unanswerable_refused, s.unanswerable)),
            ("answerable wrongly refused", _frac(s.answerable_refused, s.answerable)),
            ("quotes per answer (mean / median)", f"{s.mean_quotes:.2f} / {s.median_quotes:g}"),
            (
                "articles per answer (mean / median)",
                f"{s.mean_articles:.2f} / {s.median_articles:g}",
            ),
            ("chars per answer (mean / median)", f"{s.mean_chars:.0f} / {s.median_chars:g}"),
            (
                "latency per question (median / p95)",
                f"{self.latency_median:.3f} s / {self.latency_p95:.3f} s",
            ),
            *[
                (f"confidence {t} (p10 / p50 / p90)", " / ".join(f"{x:.3f}" for x in v))
                for t, v in self.confidence_by_type.items()
            ],
        ]
        width = max(len(k) for k, _ in rows) + 2
        lines = [
            f"askbrief eval: {self.dataset} ({s.questions} questions: {types})",
            f"index: {self.index_dir} ({self.articles} articles, {self.passages} passages; "
            f"{self._build_text()})",
            f"abstention threshold {_opt(self.threshold)}, at most {self.max_quotes} quotes",
            "",
            f"{'metric':<{width}}value",
            f"{'-' * (width - 2):<{width}}{'-' * 16}",
            *[f"{k:<{width}}{v}" for k, v in rows],
        ]
        if self.errors:
            lines.append(f"{self.errors} question(s) raised an error and count as refused")
        if self.threshold_mismatches:
            lines.append(
                f"warning: {self.threshold_mismatches} answer(s) differ from the "
                "unthresholded ranking cut at the threshold; sweep fields are stale"
            )
        return "\n".join(lines)

    def _diagnostic_rows(self) -> list[tuple[str, str]]:
        if not self.diagnostics:
            return []
        n = self.scores.answerable
        return [
            ("  without abstention (same quotes)", _frac(self.hits_without_abstention, n)),
            (f"  anywhere in unthresholded pool (<= {POOL_QUOTES})", _frac(self.pool_hits, n)),
            *[(f"passage recall@{k}", f"{v:.3f}") for k, v in self.passage_recall.items()],
            (f"passage MRR@{max(self.passage_recall)}", f"{self.mrr:.3f}"),
        ]

    def _build_text(self) -> str:
        if self.cached:
            return "cached"
        rate = share(self.passages_embedded, self.build_seconds)
        return (
            f"built in {self.build_seconds:.1f} s, {self.passages_embedded} passages "
            f"embedded, {rate:.1f} passages/s"
        )


def _opt(x: float | None) -> str:
    return "(library default)" if x is None else f"{x:g}"


def _frac(a: int, b: int) -> str:
    return f"{a}/{b} = {share(a, b):.3f}"


def write_dump(report: EvalReport, path: Path) -> None:
    """One JSON line per question, for fitting thresholds or classifiers offline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for r in report.records:
            f.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")


# --- running it --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Asked:
    """Everything the library said about one question; no gold data in here."""

    answer: Answer | None
    seconds: float
    error: str | None
    sweep: Answer | None  # the same question with abstention off: the answer it would give
    pool: Answer | None  # and its POOL_QUOTES best quotes, to see where the answer ranks
    retrieved: tuple[tuple[str, int, int], ...]  # (article_id, start, end), best first


def evaluate(
    dataset_dir: str | Path,
    index_dir: str | Path | StoreLocation | None = None,
    *,
    limit: int | None = None,
    embedder: Embedder | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    ks: Sequence[int] = RECALL_KS,
    diagnostics: bool = True,
    min_confidence: float | None = None,
    as_of: date | None = None,
) -> EvalReport:
    """Index the dataset's articles (cached, incremental), ask every question, score.

    `index_dir` is any store (a folder, a .db path, a Milvus URL). Default index:
    .cache/eval/<dataset folder name>/index under cwd; the articles link lives beside the
    index (for a server: beside the default), in its sibling folder `articles`.
    `diagnostics=False` skips the unthresholded ask and the retrieval-stage search, which
    roughly halves the time when only the headline scores are wanted. `min_confidence`
    overrides the fitted abstention threshold (-1: answer every question). `progress` is
    called as progress(stage, done, total): the build's stages, then "asking" per question.
    Every question is asked as of `as_of` (default ASKBRIEF_AS_OF, else the newest
    article's date): the day its "this week" or "latest" count from.
    """
    dataset = Path(dataset_dir)
    questions = load_questions(dataset / "questions.jsonl", limit)
    default = Path(".cache/eval") / dataset.resolve().name / "index"
    where = Settings.load(location=index_dir or default).location
    home = where.path.parent if where.path is not None else default.parent
    articles = link_articles(dataset / "articles.jsonl", home / "articles")
    settings = Settings.load(
        articles_dir=articles, location=where, min_confidence=min_confidence, as_of=as_of
    )
    sweep_settings = replace(settings, min_confidence=-1.0)
    embedder = embedder or Embedder()
    try:
        build = build_index(settings, embedder, progress=progress)
    except IndexMismatchError:
        # The cache is ours: one from an older askbrief (another format or model) is rebuilt.
        build = build_index(settings, embedder, full=True, progress=progress)
    idx, sweep = Index(settings, embedder), Index(sweep_settings, embedder)
    try:
        embedder.embed(["warm up"])  # the model loads outside the timed asks
        depth = max(ks) if diagnostics else 0
        texts = [q.question for q in questions]
        asked = _ask_all(idx, sweep, texts, depth, settings.as_of, progress)
        records = [_score_one(q, a, idx) for q, a in zip(questions, asked, strict=True)]
        return _report(dataset, settings, build, records, asked, idx, ks if diagnostics else ())
    finally:
        idx.store.close()
        sweep.store.close()


def _ask_all(
    idx: Index,
    sweep: Index,
    texts: Sequence[str],
    depth: int,
    as_of: date | None,
    progress: Callable[[str, int, int], None] | None,
) -> list[_Asked]:
    out: list[_Asked] = []
    if progress is not None:
        progress("asking", 0, len(texts))
    for text in texts:
        out.append(_ask_one(idx, sweep, text, depth, as_of))
        if progress is not None:
            progress("asking", len(out), len(texts))
    return out


def _ask_one(idx: Index, sweep: Index, text: str, depth: int, as_of: date | None) -> _Asked:
    t0 = time.perf_counter()
    try:
        answer: Answer | None = idx.ask(text, as_of=as_of)
        error = None
    except AskbriefError as err:  # what `askbrief query --batch` does: report, go on
        answer, error = None, str(err)
    seconds = time.perf_counter() - t0
    if error is not None or depth == 0:
        return _Asked(answer, seconds, error, None, None, ())
    store = sweep.store
    question = clean_question(text)
    # scored as `ask` scores it: the window its time words name, as of the same day
    now = as_of or collection_now(store)
    window = resolve(question, now) if now else None
    scored = sweep.score(question, store=store, window=window, now=now)
    unthresholded = sweep.quote(question, scored, idx.settings.max_quotes, store)
    pool = sweep.quote(question, scored, POOL_QUOTES, store)
    qvec = sweep.question_vector(text)
    pids, _scores = store.search(qvec, depth)
    rows = store.passages([int(p) for p in pids])
    retrieved = tuple(
        (rows[int(p)].article_id, rows[int(p)].start, rows[int(p)].end)
        for p in pids
        if int(p) in rows
    )
    return _Asked(answer, seconds, None, unthresholded, pool, retrieved)


def _score_one(q: Question, a: _Asked, idx: Index) -> QuestionRecord:
    answer = a.answer
    quotes = [x.text for x in answer.quotes] if answer is not None else []
    sweep = _top(a.pool, POOL_QUOTES) if a.pool is not None else []
    sweep_hits = tuple(is_hit(q.answer, [x.text]) for x in sweep) if q.answer else ()
    unthresholded = [x.text for x in a.sweep.quotes] if a.sweep is not None else []
    return QuestionRecord(
        id=q.id,
        type=q.type,
        answerable=q.answerable,
        answered=bool(answer and answer.answered),
        hit=is_hit(q.answer, quotes) if q.answer is not None else None,
        confidence=answer.confidence if answer is not None else 0.0,
        n_quotes=len(quotes),
        chars=sum(len(t) for t in quotes),
        seconds=a.seconds,
        first_hit=is_hit(q.answer, quotes[:1]) if q.answer is not None else None,
        quote_hits=sum(is_hit(q.answer, [t]) for t in quotes) if q.answer is not None else 0,
        n_articles=len({x.article_id for x in answer.quotes}) if answer is not None else 0,
        error=a.error,
        hit_without_abstention=is_hit(q.answer, unthresholded)
        if q.answer is not None and a.sweep
        else None,
        retrieval_rank=_retrieval_rank(q.answer, a.retrieved, idx) if q.answer else None,
        pool_rank=sweep_hits.index(True) + 1 if True in sweep_hits else None,
        sweep_scores=tuple(x.score for x in sweep),
        sweep_chars=tuple(len(x.text) for x in sweep),
        sweep_hits=sweep_hits,
        cited=tuple((c.article_id, c.start, c.end) for c in answer.quotes) if answer else (),
    )


def _retrieval_rank(
    answer: str, retrieved: Sequence[tuple[str, int, int]], idx: Index
) -> int | None:
    texts: dict[str, str] = {}
    for rank, (article_id, start, end) in enumerate(retrieved, start=1):
        if article_id not in texts:
            texts[article_id] = idx.article(article_id).text
        if is_hit(answer, [texts[article_id][start:end]]):
            return rank
    return None


def count_mismatches(asked: Sequence[_Asked], threshold: float | None) -> int:
    """Shipped answers the unthresholded one does not predict: another confidence, other
    quotes, or a refusal no threshold explains (at or above the threshold, or above an answer)."""
    pairs = [(a.answer, a.sweep) for a in asked if a.answer is not None and a.sweep is not None]
    lowest = min((real.confidence for real, _ in pairs if real.answered), default=float("inf"))
    if threshold is not None:
        lowest = min(lowest, threshold)
    bad = 0
    for real, sweep in pairs:
        if abs(real.confidence - sweep.confidence) > 1e-6:
            bad += 1
        elif real.answered:
            bad += _spans(real.quotes) != _spans(sweep.quotes)
        else:
            bad += sweep.answered and sweep.confidence >= lowest
    return bad


def _top(answer: Answer, n: int) -> list[Quote]:
    return sorted(answer.quotes, key=lambda x: -x.score)[:n]


def _spans(quotes: Sequence[Quote]) -> set[tuple[str, int, int]]:
    return {(q.article_id, q.start, q.end) for q in quotes}


def _report(
    dataset: Path,
    settings: Settings,
    build: BuildReport,
    records: list[QuestionRecord],
    asked: list[_Asked],
    idx: Index,
    ks: Sequence[int],
) -> EvalReport:
    answerable = [r for r in records if r.answerable]
    ranks = [r.retrieval_rank for r in answerable]
    counts = Counter(r.type for r in records)
    by_type = {t: counts[t] for t in [*TYPES, *sorted(set(counts) - set(TYPES))] if counts[t]}
    conf = {t: [r.confidence for r in records if r.type == t] for t in by_type}
    manifest = idx.store.manifest
    threshold = idx.threshold()
    return EvalReport(
        dataset=str(dataset),
        index_dir=settings.location.shown,
        threshold=threshold,
        max_quotes=settings.max_quotes,
        scores=score_records(records),
        by_type=by_type,
        hits_without_abstention=sum(bool(r.hit_without_abstention) for r in answerable),
        pool_hits=sum(r.pool_rank is not None for r in answerable),
        passage_recall={
            k: share(sum(x is not None and x <= k for x in ranks), len(ranks)) for k in sorted(ks)
        },
        mrr=share(sum(1 / x for x in ranks if x is not None), len(ranks)),
        latency_median=median([a.seconds for a in asked]),
        latency_p95=percentile([a.seconds for a in asked], 95),
        build_seconds=build.seconds,
        passages_embedded=build.passages_embedded,
        articles=int(manifest.get("articles", build.articles)),
        passages=int(manifest.get("passages", build.passages)),
        threshold_mismatches=count_mismatches(asked, threshold),
        errors=sum(a.error is not None for a in asked),
        confidence_by_type={
            t: (percentile(v, 10), percentile(v, 50), percentile(v, 90))
            for t, v in conf.items()
            if v
        },
        records=tuple(records),
    )
