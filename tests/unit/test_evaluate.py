"""`askbrief eval`: the README's scoring rules, on a tiny dataset and the real model.

Here, what needs no model and no index; the rest: tests/index/test_evaluate.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.evaluation import write_dataset

from askbrief.errors import AskbriefError
from askbrief.eval.data import QuestionRecord, is_hit, score_records
from askbrief.eval.evaluate import evaluate


def test_refuses_an_articles_folder_with_other_files(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d")
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "mine.txt").write_text("not the dataset's", encoding="utf-8")
    with pytest.raises(AskbriefError, match="holds other files"):
        evaluate(dataset, tmp_path / "index")


def test_scores_from_synthetic_records() -> None:
    def rec(kind: str, answered: bool, hit: bool | None, n: int = 0, chars: int = 0):  # type: ignore[no-untyped-def]
        return QuestionRecord("x", kind, hit is not None, answered, hit, 0.5, n, chars)

    s = score_records(
        [
            rec("answer-in-corpus", True, True, 2, 100),
            rec("answer-in-corpus", True, False, 4, 300),
            rec("answer-in-corpus", False, False),
            rec("unanswerable", True, None, 1, 50),
            rec("off-period", False, None),
            rec("off-period", False, None),
        ]
    )
    assert (s.hits, s.answerable, s.answer_recall) == (1, 3, pytest.approx(1 / 3))
    assert s.abstention_precision == pytest.approx(2 / 3)  # 3 refusals, 2 right
    assert s.abstention_recall == pytest.approx(2 / 3)  # 3 null questions, 2 refused
    assert (s.off_period_refused, s.off_period_recall) == (2, 1.0)
    assert s.off_period_precision == pytest.approx(2 / 3)  # vs the one refused answerable
    assert (s.unanswerable_refused, s.answerable_refused) == (0, 1)
    assert (s.median_quotes, s.median_chars, s.mean_chars) == (2, 100, 150)


def test_answer_first_and_quote_precision_from_synthetic_records() -> None:
    """Answer first: the first quote holds the answer; quote precision: the share of quotes
    shown for answered answerable questions that hold it (refusals and nulls add none)."""

    def rec(kind: str, answered: bool, first: bool | None, n: int, good: int, arts: int):  # type: ignore[no-untyped-def]
        hit = None if kind != "answer-in-corpus" else answered and good > 0
        return QuestionRecord(
            "x", kind, hit is not None, answered, hit, 0.5, n, 10 * n,
            first_hit=first, quote_hits=good, n_articles=arts,
        )  # fmt: skip

    s = score_records(
        [
            rec("answer-in-corpus", True, True, 2, 2, 1),
            rec("answer-in-corpus", True, False, 3, 1, 2),
            rec("answer-in-corpus", False, False, 0, 0, 0),
            rec("unanswerable", True, None, 4, 0, 3),
        ]
    )
    assert (s.first_hits, s.answer_first) == (1, pytest.approx(1 / 3))
    assert (s.quote_hits, s.answerable_quotes) == (3, 5)
    assert s.quote_precision == pytest.approx(3 / 5)
    assert (s.median_articles, s.mean_articles) == (2, 2)


def test_hit_normalises_like_the_readme() -> None:
    assert is_hit("Event's history", ["She is the youngest winner in the EVENT\u2019S   history."])
    assert is_hit("2023-24 season", ["in the 2023\u201324 season"])
    assert is_hit("\uff21mara", ["Amara"])  # NFKC: full-width letters
    assert not is_hit("Miller River", ["the Miller", "River bridge"])  # one quote must hold it
