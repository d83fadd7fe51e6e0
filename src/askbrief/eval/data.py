"""The evaluation dataset and the README's rules for scoring answers to it.

A dataset folder holds `articles.jsonl` and `questions.jsonl` (id, question, answer, type;
`answer: null` means the articles do not answer it). Here: reading them, linking the
articles where an index build finds them, judging quotes against a gold answer, and adding
per-question records up into the headline scores. Nothing here asks a system anything:
askbrief (evaluate.py) and the baselines of benchmarks/quality.py are scored by the same code.
"""

from __future__ import annotations

import json
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from askbrief.errors import AskbriefError

TYPES = ("answer-in-corpus", "unanswerable", "off-period")
OFF_PERIOD = "off-period"


# --- the dataset ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answer: str | None
    type: str

    @property
    def answerable(self) -> bool:
        return self.answer is not None


def load_questions(path: Path, limit: int | None = None) -> list[Question]:
    """The first `limit` questions of a questions.jsonl file."""
    if not path.is_file():
        raise AskbriefError(f"{path}: no such file; a dataset folder needs questions.jsonl")
    out: list[Question] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            answer = rec.get("answer")
            kind = rec.get("type") or ("unanswerable" if answer is None else "answer-in-corpus")
            out.append(Question(str(rec["id"]), str(rec["question"]), answer, kind))
        except (ValueError, KeyError, TypeError) as err:
            raise AskbriefError(f"{path}:{lineno}: not a question record ({err})") from None
    return out[:limit] if limit is not None else out


def load_articles(path: Path) -> list[dict[str, Any]]:
    """The records of an articles.jsonl file, as written."""
    if not path.is_file():
        raise AskbriefError(f"{path}: no such file; a dataset folder needs articles.jsonl")
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def link_articles(articles_file: Path, folder: Path) -> Path:
    """A folder holding only a symlink to the dataset's articles.jsonl: build_index reads
    folders recursively, and the dataset folder also holds questions.jsonl. The folder path
    is kept as given: article paths are part of the index's change detection."""
    if not articles_file.is_file():
        raise AskbriefError(f"{articles_file}: no such file; a dataset folder needs articles.jsonl")
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "articles.jsonl"
    foreign = [p for p in folder.iterdir() if p.name not in (link.name,) and p.name[0] != "."]
    if foreign or (link.exists() and not link.is_symlink()):
        raise AskbriefError(
            f"{folder}: holds other files, but evaluation indexes everything there; "
            "choose an --index folder whose sibling 'articles' is free or evaluation's own"
        )
    target = articles_file.resolve()
    if link.is_symlink() and link.resolve() == target:
        return folder
    if link.is_symlink():
        link.unlink()
    link.symlink_to(target)
    return folder


# --- scoring rule ------------------------------------------------------------------------

# askbrief.text.normalize maps only the five common curly quotes and dashes; the README's
# rule names curly quotes and dashes in general, so every Unicode dash (category Pd) counts.
_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2212": "-",
}


def fold_for_scoring(text: str) -> str:
    """NFKC, straight quotes and hyphens for curly quotes and dashes, lower case, one space:
    the scoring rule's folding, wider than text.normalize (which lexical matching uses)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(_QUOTES.get(ch, "-" if unicodedata.category(ch) == "Pd" else ch) for ch in text)
    return " ".join(text.lower().split())


def is_hit(answer: str, quotes: Sequence[str]) -> bool:
    """The README's answer recall: the gold answer occurs inside one of the quotes."""
    gold = fold_for_scoring(answer)
    return bool(gold) and any(gold in fold_for_scoring(q) for q in quotes)


# --- per-question records ------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionRecord:
    """What a system did with one question, scored. The fields from `hit_without_abstention`
    on come from the unthresholded ask and the retrieval stage (askbrief only), for offline
    threshold sweeps and for seeing where answers are lost."""

    id: str
    type: str
    answerable: bool
    answered: bool
    hit: bool | None  # None for questions without an answer
    confidence: float
    n_quotes: int
    chars: int
    seconds: float = 0.0
    first_hit: bool | None = None  # the gold answer is in quote [1], the one read first
    quote_hits: int = 0  # quotes shown that hold the gold answer
    n_articles: int = 0  # distinct articles quoted
    error: str | None = None
    hit_without_abstention: bool | None = None  # the top quotes had nothing been refused
    retrieval_rank: int | None = None  # 1-based rank of the first passage holding the answer
    pool_rank: int | None = None  # 1-based rank of the first unthresholded quote holding it
    # the unthresholded pool of quotes (up to evaluate.POOL_QUOTES, not widened: a pool that long has
    # no room), best first: the quote's score, its length, whether it holds the gold answer.
    # At threshold t the answer would be refused if confidence < t, else answer with
    # hit_without_abstention.
    sweep_scores: tuple[float, ...] = ()
    sweep_chars: tuple[int, ...] = ()
    sweep_hits: tuple[bool, ...] = ()
    # the answer's citations, (article id, start, end): to compare two stores or two runs
    cited: tuple[tuple[str, int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["confidence"] = round(self.confidence, 4)
        d["seconds"] = round(self.seconds, 4)
        for key in ("sweep_scores", "sweep_chars", "sweep_hits"):
            d[key] = list(d[key])
        d["cited"] = [list(c) for c in self.cited]
        return d


# --- aggregate scores ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """The README's headline numbers; shared by `askbrief eval` and benchmarks/quality.py."""

    questions: int
    answerable: int
    hits: int
    first_hits: int  # answerable questions whose first quote holds the answer
    quote_hits: int  # quotes holding the answer, over answered answerable questions
    answerable_quotes: int  # all quotes shown for answered answerable questions
    answerable_refused: int
    null_questions: int
    null_refused: int
    refused: int  # all refusals, right or wrong
    off_period: int
    off_period_refused: int
    unanswerable: int
    unanswerable_refused: int
    answered: int
    mean_quotes: float
    median_quotes: float
    mean_chars: float
    median_chars: float
    mean_articles: float = 0.0
    median_articles: float = 0.0

    @property
    def answer_recall(self) -> float:
        return share(self.hits, self.answerable)

    @property
    def answer_first(self) -> float:
        """Share of answerable questions whose first quote holds the answer."""
        return share(self.first_hits, self.answerable)

    @property
    def quote_precision(self) -> float:
        """Of the quotes shown for answered answerable questions, the share holding it."""
        return share(self.quote_hits, self.answerable_quotes)

    @property
    def abstention_precision(self) -> float:
        """Of all refusals, the share that were right (the question had no answer)."""
        return share(self.null_refused, self.refused)

    @property
    def abstention_recall(self) -> float:
        return share(self.null_refused, self.null_questions)

    @property
    def off_period_precision(self) -> float:
        """Abstention precision on off-period and answerable questions only."""
        return share(self.off_period_refused, self.off_period_refused + self.answerable_refused)

    @property
    def off_period_recall(self) -> float:
        return share(self.off_period_refused, self.off_period)


def score_records(records: Sequence[QuestionRecord]) -> Scores:
    answerable = [r for r in records if r.answerable]
    null = [r for r in records if not r.answerable]
    off = [r for r in null if r.type == OFF_PERIOD]
    unans = [r for r in null if r.type != OFF_PERIOD]
    answered = [r for r in records if r.answered]
    quotes = [r.n_quotes for r in answered]
    chars = [r.chars for r in answered]
    articles = [r.n_articles for r in answered]
    return Scores(
        questions=len(records),
        answerable=len(answerable),
        hits=sum(bool(r.hit) for r in answerable),
        first_hits=sum(bool(r.first_hit) for r in answerable),
        quote_hits=sum(r.quote_hits for r in answerable if r.answered),
        answerable_quotes=sum(r.n_quotes for r in answerable if r.answered),
        answerable_refused=_refused(answerable),
        null_questions=len(null),
        null_refused=_refused(null),
        refused=_refused(records),
        off_period=len(off),
        off_period_refused=_refused(off),
        unanswerable=len(unans),
        unanswerable_refused=_refused(unans),
        answered=len(answered),
        mean_quotes=_mean(quotes),
        median_quotes=median(quotes),
        mean_chars=_mean(chars),
        median_chars=median(chars),
        mean_articles=_mean(articles),
        median_articles=median(articles),
    )


def _refused(records: Sequence[QuestionRecord]) -> int:
    return sum(not r.answered for r in records)


def share(a: float, b: float) -> float:
    """a / b, and 0 for nothing over nothing."""
    return a / b if b else 0.0


def _mean(xs: Sequence[float]) -> float:
    return statistics.fmean(xs) if xs else 0.0


def median(xs: Sequence[float]) -> float:
    return float(statistics.median(xs)) if xs else 0.0


def percentile(xs: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]; 0 for no data."""
    if not xs:
        return 0.0
    s = sorted(xs)
    pos = (len(s) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)
