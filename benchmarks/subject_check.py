"""Does the subject check (src/askbrief/focus.py) refuse more questions about other news than
a higher confidence threshold would, at the same cost in answerable questions refused?

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/subject_check.py DATASET_DIR OTHER_DIR...

DATASET_DIR is a dataset in `askbrief eval`'s format whose index `askbrief eval DATASET_DIR`
has built (.cache/eval/<name>/index); its own questions are asked as of their quiz's date.
Each OTHER_DIR gives questions about other news: its answerable questions, asked of
DATASET_DIR's articles as of the newest article's date, dropping those whose answer occurs
in them (at least six months apart: the eval README's off-period rule).

The arms see the same retrieval and the same confidence; they differ only in what may
refuse and narrow the quotes: the threshold alone, the question's names, or the whole
subject check (names and a share of the other words). The threshold of each is swept and the
figures printed at equal answerable-refused counts. Fit nothing on what this prints if
DATASET_DIR is a dataset the shipped weights were fitted on: say so beside its figures.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

import askbrief
from askbrief.ask.focus import focus, holding
from askbrief.ask.index import collection_now
from askbrief.ask.ranking import answer_probability, is_close, load_weights
from askbrief.ask.timeframe import resolve
from askbrief.text import normalize

MAX_OTHER = 150  # questions about other news, per OTHER_DIR


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def main() -> None:
    dataset, others = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    idx = askbrief.open_index(Path(".cache/eval") / dataset.name / "index")
    corpus = " ".join(normalize(a["text"]) for a in _load(dataset / "articles.jsonl"))
    own = [q for q in _load(dataset / "questions.jsonl") if q["type"] != "off-period"]
    other = []
    for folder in others:
        kept = [
            q
            for q in _load(folder / "questions.jsonl")
            if q.get("answer") and normalize(q["answer"]) not in corpus
        ]
        other += [dict(q, type="off-period") for q in kept[:MAX_OTHER]]
    weights = load_weights()
    rows = []
    for q in own + other:
        asked = (
            date.fromisoformat(q["date"].replace("/", "-")) if q["type"] != "off-period" else None
        )
        now = asked or collection_now(idx.store)
        window = resolve(q["question"], now) if now else None
        s = idx.score(q["question"], window=window, now=now)
        model, _ = weights.answer_model(dated=now is not None)
        close = bool(is_close(s.question_features, weights.min_passage)) or s.probability > 0
        p = float(answer_probability(s.question_features, model)) if close and len(s.read) else 0.0
        gold = normalize(q["answer"]) if q.get("answer") else None
        named = _names_only(idx, q["question"], s.read)
        first, gated = {}, {"threshold": False, "names": not named, "subject": not s.answers}
        for arm, kept in (("threshold", s.read), ("names", named), ("subject", s.answers)):
            scored = replace(s, answers=kept)
            quotes = (
                idx.quote(q["question"], scored, idx.settings.max_quotes).quotes if kept else ()
            )
            first[arm] = bool(gold and quotes and gold in normalize(quotes[0].text))
        rows.append((q["type"], p, gated, first))
    report(rows)


def _names_only(idx: askbrief.Index, question: str, read: tuple) -> tuple:
    """The sentences read whose article mentions every name of the question (focus.py's
    names without its share of other words)."""
    need = focus(question, {})
    need = replace(need, words=(), phrases=())
    held = holding(idx.store, need, {c.article_id for c in read}, lambda a: "")
    return tuple(c for c in read if not need.missing_from(held, c.article_id))


def report(rows: list[tuple[str, float, bool, dict]]) -> None:
    answerable = [r for r in rows if r[0] == "answer-in-corpus"]
    kinds = ("answer-in-corpus", "unanswerable", "off-period")
    print("questions: " + ", ".join(f"{sum(r[0] == k for r in rows)} {k}" for k in kinds))
    shipped = load_weights().threshold
    for arm in ARMS:
        counts = {k: sum(_refused(r, arm, shipped) for r in rows if r[0] == k) for k in kinds}
        first = sum(r[3][arm] and not _refused(r, arm, shipped) for r in answerable)
        print(
            f"at the shipped threshold {shipped}: {arm}: answerable refused "
            f"{counts['answer-in-corpus']}, answer first {first}, unanswerable refused "
            f"{counts['unanswerable']}, off-period refused {counts['off-period']}"
        )
    for target in (0.10, 0.15, 0.20):
        line = []
        for arm in ARMS:
            t = _threshold(answerable, arm, target)
            counts = {k: sum(_refused(r, arm, t) for r in rows if r[0] == k) for k in kinds}
            first = sum(r[3][arm] and not _refused(r, arm, t) for r in answerable)
            line.append(
                f"{arm}: t={t:.3f} answerable refused {counts['answer-in-corpus']}, "
                f"answer first {first}, unanswerable refused {counts['unanswerable']}, "
                f"off-period refused {counts['off-period']}"
            )
        print(f"~{target:.0%} answerable refused\n  " + "\n  ".join(line))


ARMS = ("threshold", "names", "subject")


def _refused(row: tuple, arm: str, t: float) -> bool:
    return row[1] < t or row[2][arm]


def _threshold(answerable: list, arm: str, share: float) -> float:
    """The lowest threshold refusing at least `share` of the answerable questions."""
    for t in np.linspace(0, 1, 1001):
        if sum(_refused(r, arm, float(t)) for r in answerable) >= share * len(answerable):
            return float(t)
    return 1.0


if __name__ == "__main__":
    main()
