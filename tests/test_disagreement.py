"""Sources that disagree: different values of the asked kind from different articles are
shown side by side, newest first, and never for quotes that agree."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import CountingEmbedder
from dated_articles import ARTICLES, build_dated

from askbrief import Index
from askbrief.cli import cli


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Index:
    settings = build_dated(tmp_path_factory.mktemp("differ"), embedder, ARTICLES)
    return Index(settings, embedder)


def test_two_counts_from_two_articles_are_shown_newest_first(index: Index) -> None:
    answer = index.ask("How many people were killed in the Kellin flood?", max_quotes=5)
    assert answer.answered
    assert [(c.value, c.article_id, c.date) for c in answer.differ] == [
        ("15", "flood-2", "2024-02-16"),
        ("12", "flood-1", "2024-02-05"),
    ]
    for c in answer.differ:
        assert index.article(c.article_id).text[c.start : c.end] == c.value
        quote = answer.quotes[c.quote - 1]
        assert quote.article_id == c.article_id and quote.start <= c.start < c.end <= quote.end
    data = answer.to_dict()
    assert [c["value"] for c in data["sources_differ"]] == ["15", "12"]


def test_agreeing_sources_are_not_a_disagreement(index: Index) -> None:
    answer = index.ask("How many panels does the Porto Vell solar farm have?", max_quotes=5)
    assert answer.answered
    assert {q.article_id for q in answer.quotes} == {"solar-1", "solar-2"}  # both quoted
    assert answer.differ == ()  # 12,400 and 12400 are one value


def test_one_article_alone_never_disagrees(index: Index) -> None:
    answer = index.ask("How many people were killed in the Kellin flood this week?")
    assert answer.answered and {q.article_id for q in answer.quotes} == {"flood-2"}
    assert answer.differ == ()


def test_cli_prints_sources_differ(index: Index) -> None:
    env = {"ASKBRIEF_INDEX_DIR": str(index.settings.index_dir), "HF_HUB_OFFLINE": "1"}
    out = CliRunner().invoke(
        cli, ["query", "How many people were killed in the Kellin flood?"], env=env
    )
    assert out.exit_code == 0, out.output
    block = out.output.split("Sources differ:\n")[1].split("\n\n")[0].splitlines()
    assert block == [
        "  15 \u2014 Flood toll rises, 2024-02-16 [1]",
        "  12 \u2014 River floods village, 2024-02-05 [2]",
    ]
    agree = CliRunner().invoke(
        cli, ["query", "How many panels does the Porto Vell solar farm have?"], env=env
    )
    assert "Sources differ" not in agree.output
