"""`askbrief eval --as-of DATE` (and `evaluate(..., as_of=)`) asks every question as of DATE:
the day "this week" in a question counts from. Two reports of one flood, a week apart, give
different death tolls; a question about "this week" is scored against the earlier one. The
real model and a real index on disk."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.common import CountingEmbedder

from askbrief.cli.main import cli
from askbrief.eval.evaluate import evaluate

ARTICLES = [
    {
        "id": "flood-1",
        "title": "River floods village",
        "source": "example.com",
        "published": "2024-02-05",
        "url": None,
        "text": "River floods village\n\nThe river Ammer burst its banks on Monday and flooded "
        "the village of Kellin, where 12 people were killed according to the mayor.",
    },
    {
        "id": "flood-2",
        "title": "Flood toll rises",
        "source": "example.org",
        "published": "2024-02-16",
        "url": None,
        "text": "Flood toll rises\n\nThe number of people killed in the Kellin flood rose to "
        "15, the regional governor said on Friday.",
    },
]
QUESTION = {
    "id": "w1",
    "question": "How many people were killed in the Kellin flood this week?",
    "answer": "12",  # the week of 5 February
    "date": "2024/02/09",
    "evidence": [],
    "type": "answer-in-corpus",
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("evalasof")
    (root / "flood").mkdir()
    lines = "".join(json.dumps(a) + "\n" for a in ARTICLES)
    (root / "flood" / "articles.jsonl").write_text(lines, encoding="utf-8")
    (root / "flood" / "questions.jsonl").write_text(json.dumps(QUESTION) + "\n")
    return root


def test_evaluate_asks_as_of_the_date_given(
    workdir: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    then = evaluate("flood", embedder=embedder, as_of=date(2024, 2, 9))
    [record] = then.records
    assert record.answered and record.hit and record.first_hit
    assert {c[0] for c in record.cited} == {"flood-1"}
    now = evaluate("flood", embedder=embedder)  # as of the newest report: 16 February
    [record] = now.records
    assert {c[0] for c in record.cited} <= {"flood-2"} and not record.hit
    # the unthresholded ranking is asked the same way: the rule still predicts the answers
    assert then.threshold_mismatches == now.threshold_mismatches == 0


def test_the_cli_takes_as_of(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)
    env = {"HF_HUB_OFFLINE": "1"}
    then = CliRunner().invoke(cli, ["eval", "flood", "--json", "--as-of", "2024-02-09"], env=env)
    assert then.exit_code == 0, then.output
    assert json.loads(then.stdout)["answer_first_hits"] == 1
    # ASKBRIEF_AS_OF is the same setting
    env["ASKBRIEF_AS_OF"] = "2024-02-09"
    again = CliRunner().invoke(cli, ["eval", "flood", "--json"], env=env)
    assert again.exit_code == 0 and json.loads(again.stdout)["answer_first_hits"] == 1
    later = CliRunner().invoke(cli, ["eval", "flood", "--json", "--as-of", "2024-02-16"])
    assert later.exit_code == 0 and json.loads(later.stdout)["answer_first_hits"] == 0
