"""`askbrief eval`: the README's scoring rules, on a tiny dataset and the real model.

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/unit/test_evaluate.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.common import CountingEmbedder
from support.evaluation import QUESTIONS, write_dataset

import askbrief.eval.evaluate as ev
from askbrief.cli.main import cli
from askbrief.eval.data import QuestionRecord
from askbrief.eval.evaluate import EvalReport, evaluate


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
