"""Sources that disagree: different values of the asked kind from different articles are
shown side by side, newest first, and never for quotes that agree."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from support.common import CountingEmbedder
from support.dated import ARTICLES, build_dated

from askbrief import Index
from askbrief.cli.main import cli


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
    env = {"ASKBRIEF_INDEX_DIR": str(index.settings.location.path), "HF_HUB_OFFLINE": "1"}
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


# Revisions of an amount and of a name, and one amount spelled two ways, in their own index
# (their dates would move the "this week" of the articles above).
REVISED = [
    {
        "id": "road-1",
        "title": "Council approves road budget",
        "published": "2024-01-05",
        "text": "Council approves road budget\nThe Lindenport council approved a road budget "
        "of 12 million euros on Friday.\nWork on the ring road starts in spring.",
    },
    {
        "id": "road-2",
        "title": "Road budget raised",
        "published": "2024-03-01",
        "text": "Road budget raised\nThe Lindenport council raised its road budget to 15 "
        "million euros.\nCouncillors blamed the price of asphalt.",
    },
    {
        "id": "harbour-1",
        "title": "New harbour master",
        "published": "2024-01-10",
        "text": "New harbour master\nThe Lindenport council appointed Jana Novak as harbour "
        "master on Tuesday.\nShe worked as a ferry captain for twenty years.",
    },
    {
        "id": "harbour-2",
        "title": "Harbour master replaced",
        "published": "2024-02-20",
        "text": "Harbour master replaced\nThe Lindenport council appointed Tomas Berg as "
        "harbour master after a dispute over berth fees.\nBerg ran the marina at Selby.",
    },
    {
        "id": "ferry-1",
        "title": "Ferry subsidy renewed",
        "published": "2024-01-20",
        "text": "Ferry subsidy renewed\nThe Lindenport ferry subsidy stays at \u20ac4 million a "
        "year, the council said.",
    },
    {
        "id": "ferry-2",
        "title": "Ferry keeps its subsidy",
        "published": "2024-02-25",
        "text": "Ferry keeps its subsidy\nThe Lindenport ferry subsidy of 4 million euros a "
        "year will continue until 2026.",
    },
]


@pytest.fixture(scope="module")
def revised(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Index:
    settings = build_dated(tmp_path_factory.mktemp("revised"), embedder, REVISED)
    return Index(settings, embedder)


def _differ(index: Index, question: str) -> list[tuple[str, str, str | None]]:
    answer = index.ask(question, max_quotes=5)
    assert answer.answered
    for c in answer.differ:  # each value is the article's own text, inside its quote
        assert index.article(c.article_id).text[c.start : c.end] == c.value
        quote = answer.quotes[c.quote - 1]
        assert quote.article_id == c.article_id and quote.start <= c.start < c.end <= quote.end
    return [(c.value, c.article_id, c.date) for c in answer.differ]


def test_a_revised_amount_in_euros_is_shown_newest_first(revised: Index) -> None:
    # spaCy tags "15 million euros" as the CARDINAL "15 million", not as MONEY
    assert _differ(revised, "How much is the Lindenport council's road budget?") == [
        ("15 million", "road-2", "2024-03-01"),
        ("12 million", "road-1", "2024-01-05"),
    ]


def test_a_revised_name_is_shown_newest_first(revised: Index) -> None:
    question = "Who did the Lindenport council appoint as harbour master?"
    assert _differ(revised, question) == [
        ("Tomas Berg", "harbour-2", "2024-02-20"),
        ("Jana Novak", "harbour-1", "2024-01-10"),
    ]


def test_one_amount_spelled_two_ways_is_not_a_disagreement(revised: Index) -> None:
    answer = revised.ask("How much is the Lindenport ferry subsidy?", max_quotes=5)
    assert {q.article_id for q in answer.quotes} == {"ferry-1", "ferry-2"}  # both quoted
    assert answer.differ == ()  # "\u20ac4 million" and "4 million euros" are one value


def test_cli_prints_a_revised_amount(revised: Index) -> None:
    env = {"ASKBRIEF_INDEX_DIR": str(revised.settings.location.path), "HF_HUB_OFFLINE": "1"}
    question = "How much is the Lindenport council's road budget?"
    out = CliRunner().invoke(cli, ["query", question], env=env)
    assert out.exit_code == 0, out.output
    block = out.output.split("Sources differ:\n")[1].split("\n\n")[0].splitlines()
    assert block == [
        "  15 million \u2014 Road budget raised, 2024-03-01 [1]",
        "  12 million \u2014 Council approves road budget, 2024-01-05 [2]",
    ]
