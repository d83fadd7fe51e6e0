"""`askbrief eval`: the README's scoring rules, on a tiny dataset and the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CountingEmbedder

import askbrief.eval.evaluate as ev
from askbrief.cli.main import cli
from askbrief.errors import AskbriefError
from askbrief.eval.data import QuestionRecord, is_hit, score_records
from askbrief.eval.evaluate import EvalReport, evaluate

ARTICLES = [
    {
        "id": "bridge",
        "title": "Brookfield council approves bridge over the Miller River",
        "source": "example.com",
        "published": None,
        "url": "https://example.com/bridge",
        "text": (
            "Brookfield council approves bridge over the Miller River\n\n"
            "The city council of Brookfield voted 7 to 2 on Tuesday to build a new pedestrian "
            "bridge across the Miller River. Mayor Dana Whitcombe said construction would start "
            "in the spring. Residents had asked for a crossing near the old mill for a decade. "
            "Opponents argued the money should go to road repairs instead."
        ),
    },
    {
        "id": "storm",
        "title": "Storm Henrietta batters northern coast",
        "source": "example.org",
        "published": None,
        "url": "https://example.org/storm",
        "text": (
            "Storm Henrietta brought winds of up to 140 kilometres per hour to the northern "
            "coast on Monday, cutting power to 40,000 homes. The weather service issued red "
            "warnings for three counties. Ferries between the islands were cancelled for a "
            "second day, and several coastal roads were closed by flooding."
        ),
    },
    {
        "id": "chess",
        "title": "Teenager wins national chess championship",
        "source": "example.net",
        "published": None,
        "url": "https://example.net/chess",
        "text": (
            "Sixteen-year-old Amara Okafor won the national chess championship on Sunday, "
            "beating the defending champion in the final round. Okafor finished with eight "
            "points from nine games. She is the youngest winner in the event\u2019s history."
        ),
    },
]

# id, question, answer, type
QUESTIONS = [
    (
        "a1",
        "Which river will the new Brookfield pedestrian bridge cross?",
        "Miller River",
        "answer-in-corpus",
    ),
    (
        "a2",
        "Who won the national chess championship on Sunday?",
        "Amara Okafor",
        "answer-in-corpus",
    ),
    (
        "a3",
        "How many homes lost power when Storm Henrietta hit the coast?",
        "40,000",
        "answer-in-corpus",
    ),
    ("u1", "How much will the Brookfield bridge cost to build?", None, "unanswerable"),
    (
        "o1",
        "Which British prime minister resigned in July 2022 after a string of scandals?",
        None,
        "off-period",
    ),
    ("o2", "Which city hosted the 2022 Commonwealth Games opening ceremony?", None, "off-period"),
    # a near distractor ("won the ... title"): refused or not, it must be counted right
    ("o3", "Who won the men's singles title at Wimbledon in July 2022?", None, "off-period"),
]


def write_dataset(folder: Path) -> Path:
    folder.mkdir(parents=True)
    with (folder / "articles.jsonl").open("w", encoding="utf-8") as f:
        for a in ARTICLES:
            f.write(json.dumps(a) + "\n")
    with (folder / "questions.jsonl").open("w", encoding="utf-8") as f:
        for qid, question, answer, kind in QUESTIONS:
            rec = {
                "id": qid,
                "question": question,
                "answer": answer,
                "date": "2024/01/05",
                "evidence": [],
                "type": kind,
            }
            f.write(json.dumps(rec) + "\n")
    return folder


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("eval")
    write_dataset(root / "tiny")
    return root


@pytest.fixture(scope="module")
def report(workdir: Path, embedder: CountingEmbedder) -> EvalReport:
    # the index the CLI will use from cwd=workdir, spelled the same: its run finds it built
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workdir)
        return evaluate("tiny", embedder=embedder)


def records_by_id(report: EvalReport) -> dict[str, QuestionRecord]:
    return {r.id: r for r in report.records}


def test_answer_in_the_article_is_a_hit(report: EvalReport) -> None:
    rec = records_by_id(report)["a1"]
    assert rec.answered and rec.hit and rec.hit_without_abstention
    assert rec.retrieval_rank is not None and rec.pool_rank is not None
    assert 1 <= rec.n_quotes <= 5 and rec.chars > 0


def test_off_period_question_refused_counts(report: EvalReport) -> None:
    recs = records_by_id(report)
    assert not recs["o1"].answered and recs["o1"].n_quotes == 0 and recs["o1"].hit is None
    s = report.scores
    assert s.off_period == 3
    assert s.off_period_refused == sum(not recs[i].answered for i in ("o1", "o2", "o3"))


def test_metric_arithmetic_matches_the_records(report: EvalReport) -> None:
    recs = report.records
    s = report.scores
    assert report.by_type == {"answer-in-corpus": 3, "unanswerable": 1, "off-period": 3}
    assert (s.questions, s.answerable, s.null_questions) == (7, 3, 4)
    assert s.hits == sum(bool(r.hit) for r in recs if r.answerable)
    assert s.answer_recall == pytest.approx(s.hits / 3)
    refused = [r for r in recs if not r.answered]
    assert s.refused == len(refused)
    assert s.abstention_recall == pytest.approx(sum(not r.answerable for r in refused) / 4)
    assert s.answerable_refused == sum(r.answerable for r in refused)
    answered = [r for r in recs if r.answered]
    assert s.mean_quotes == pytest.approx(sum(r.n_quotes for r in answered) / len(answered))
    # a refused answerable question is never a hit; an answered one is one iff its top quotes are
    for r in recs:
        if r.answerable:
            assert r.hit == (r.answered and r.hit_without_abstention)
    assert s.first_hits == sum(bool(r.first_hit) for r in recs if r.answerable)
    assert s.first_hits <= s.hits
    shown = [r for r in recs if r.answerable and r.answered]
    assert s.quote_precision == pytest.approx(
        sum(r.quote_hits for r in shown) / sum(r.n_quotes for r in shown)
    )
    assert all(r.n_articles <= r.n_quotes for r in recs)
    assert report.threshold_mismatches == 0 and report.errors == 0
    assert set(report.passage_recall) == {1, 5, 10, 20, 50}
    assert list(report.passage_recall.values()) == sorted(report.passage_recall.values())


def test_abstention_off_answers_every_question_with_the_same_quotes(
    report: EvalReport, workdir: Path, embedder: CountingEmbedder
) -> None:
    """benchmarks/quality.py's second askbrief row: min_confidence=-1 answers everything."""
    calls: list[tuple[str, int, int]] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workdir)
        off = evaluate(
            "tiny",
            embedder=embedder,
            diagnostics=False,
            min_confidence=-1.0,
            progress=lambda stage, done, total: calls.append((stage, done, total)),
        )
    # progress is reported, never drawn: one call per question asked, after a first (0, n)
    n = len(QUESTIONS)
    assert [c for c in calls if c[0] == "asking"] == [("asking", k, n) for k in range(n + 1)]
    assert off.threshold == -1.0
    assert off.scores.refused == 0 and all(r.answered for r in off.records)
    shipped = records_by_id(report)
    for r in off.records:
        if r.answerable:  # the quotes the shipped run would have given, hit for hit
            assert r.hit == shipped[r.id].hit_without_abstention


def test_only_the_dataset_articles_are_indexed(report: EvalReport, workdir: Path) -> None:
    links = list((workdir / ".cache/eval/tiny/articles").iterdir())
    assert [p.name for p in links] == ["articles.jsonl"] and links[0].is_symlink()
    assert report.articles == 3


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


def test_cli_prints_the_table_and_dumps(
    workdir: Path,
    embedder: CountingEmbedder,
    report: EvalReport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(workdir)
    monkeypatch.setattr(ev, "Embedder", lambda: embedder)  # the loaded model, not a second one
    result = CliRunner().invoke(cli, ["eval", "tiny", "--dump", "out/dump.jsonl"])
    assert result.exit_code == 0, result.output
    assert "answer recall" in result.stdout and "off-period refused" in result.stdout
    assert "cached" in result.stdout  # the fixture's index is reused
    lines = (workdir / "out/dump.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["id"] for x in lines] == [q[0] for q in QUESTIONS]

    result = CliRunner().invoke(cli, ["eval", "tiny", "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["questions"] == 2
