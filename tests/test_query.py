"""Answers on real articles: the right quotes, exact spans, and abstention."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import SEED_FILE, STORES, CountingEmbedder, store_at

from askbrief import Index, Settings, build_index
from askbrief.answer import select
from askbrief.errors import AskbriefError


@pytest.fixture(scope="module", params=STORES)
def index(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    embedder: CountingEmbedder,
) -> Iterator[Index]:
    import shutil

    root = tmp_path_factory.mktemp("q")
    articles = root / "articles"
    shutil.copytree(SEED_FILE.parent, articles)
    shutil.copytree(Path(__file__).parent / "data" / "corpus", articles / "corpus")
    s = Settings.load(articles_dir=articles, store=store_at(root, request.param))
    build_index(s, embedder)
    idx = Index(s, embedder)
    yield idx
    idx.store.close()


def quoted(answer) -> str:  # type: ignore[no-untyped-def]
    return " ".join(q.text for q in answer.quotes)


def test_spans_match_the_article_file(index: Index) -> None:
    answer = index.ask("What did Lavrov call a ceasefire?")
    assert answer.answered and 1 <= len(answer.quotes) <= 5
    file_text = SEED_FILE.read_bytes().decode("utf-8")
    for q in answer.quotes:
        article = index.article(q.article_id)
        assert article.text[q.start : q.end] == q.text
        if q.article_id == SEED_FILE.name:
            assert file_text[q.start : q.end] == q.text
    assert [q.n for q in answer.quotes] == list(range(1, len(answer.quotes) + 1))


@pytest.mark.parametrize(
    "question",
    [
        "What did Lavrov call a ceasefire?",
        "How many panels does the floating solar farm have?",
        "Who won the national chess championship?",
    ],
)
def test_widened_quotes_carry_on_into_the_next_sentence(index: Index, question: str) -> None:
    """The real answer against its own plain best sentences: a quote that grew ends where
    the article's next sentence ends, and quotes never overlap."""
    answer = index.ask(question)
    plain = {(c.article_id, c.start): c for c in select(index.score(question).candidates, 5)}
    assert {(q.article_id, q.start) for q in answer.quotes} == set(plain)
    grew = False
    for q in answer.quotes:
        c = plain[(q.article_id, q.start)]
        if q.end != c.end:
            grew = True
            nxt = index.store.sentences(q.article_id, c.idx + 1, c.idx + 1)
            assert nxt and nxt[0][2].end == q.end
    spans = sorted((q.article_id, q.start, q.end) for q in answer.quotes)
    assert all(a[0] != b[0] or a[2] <= b[1] for a, b in pairwise(spans))
    # These answers are short, so there is room: at least one quote grew, within budget.
    assert grew and sum(len(q.text) for q in answer.quotes) <= index.settings.answer_chars


def test_road_to_nowhere(index: Index) -> None:
    answer = index.ask("What did Lavrov call a ceasefire?")
    assert "road to nowhere" in quoted(answer)


@pytest.mark.parametrize(
    ("question", "expected", "article_id"),
    [
        ("How many panels does the floating solar farm have?", "12,400", "corpus/harbor.md"),
        ("Who won the national chess championship?", "Amara Okafor", "corpus/chess.html"),
        (
            "What did the transport minister call the rail strike?",
            "deeply irresponsible",
            "wire-001",
        ),
        (
            "Which country made covert outreaches about Ukraine, according to Lavrov?",
            "France",
            SEED_FILE.name,
        ),
    ],
)
def test_answers_across_formats(
    index: Index, question: str, expected: str, article_id: str
) -> None:
    answer = index.ask(question)
    assert answer.answered
    hits = [q for q in answer.quotes if expected in q.text]
    assert hits and hits[0].article_id == article_id


@pytest.mark.parametrize(
    "question",
    [
        "What is the boiling point of tungsten?",
        "Who won the 1998 football World Cup?",
        "How do I bake sourdough bread at home?",
        "What is the population of Canberra?",
    ],
)
def test_abstains_when_articles_do_not_answer(index: Index, question: str) -> None:
    answer = index.ask(question)
    assert not answer.answered
    assert answer.quotes == () and answer.sources == ()
    assert answer.message == "The articles don't answer this."


def test_follow_up_uses_the_conversation(index: Index) -> None:
    answer = index.ask(
        "What did he say about France?", history=["What did Lavrov say about a ceasefire?"]
    )
    assert answer.answered
    assert "France" in quoted(answer)


def test_sources_list_every_cited_article(index: Index) -> None:
    answer = index.ask("What did Lavrov say about Trump's team?")
    cited = {q.article_id for q in answer.quotes}
    assert {s.article_id for s in answer.sources} == cited
    for s in answer.sources:
        assert all(answer.quotes[n - 1].article_id == s.article_id for n in s.quotes)


def test_json_shape(index: Index) -> None:
    data = index.ask("Who won the national chess championship?").to_dict()
    assert set(data) >= {"question", "answered", "quotes", "sources"}
    assert isinstance(data["answered"], bool)
    for q in data["quotes"]:
        assert set(q) == {
            "n",
            "text",
            "article_id",
            "title",
            "source_path",
            "start",
            "end",
            "score",
        }
    for s in data["sources"]:
        assert {"article_id", "title", "source_path", "published", "source"} <= set(s)


@pytest.mark.parametrize("bad", ["", "   \n\t", "\x00\x01\x02"])
def test_empty_questions_are_refused(index: Index, bad: str) -> None:
    with pytest.raises(AskbriefError, match="question is empty"):
        index.ask(bad)


def test_overlong_question_is_refused(index: Index) -> None:
    with pytest.raises(AskbriefError, match="characters long"):
        index.ask("why " * 3000)


def test_quotes_follow_the_order_model_and_refusals_the_evidence_model(index: Index) -> None:
    """ranker.json holds two sentence models: quotes are ranked by `order` (trained with
    synthetic questions too), the answer model reads scores of `sentence` (dev only)."""
    import numpy as np

    from askbrief.ranking import RECENCY, load_weights, order_scores, sentence_scores

    weights = load_weights()
    assert not np.allclose(weights.order, weights.sentence)
    scored = index.score("Who won the national chess championship?")
    feats = scored.sentence_features
    got = np.array([c.score for c in scored.candidates])
    assert np.allclose(got, order_scores(feats, weights))
    evidence = sentence_scores(feats, weights) - weights.sentence[RECENCY] * feats[:, RECENCY]
    assert scored.question_features[0] == pytest.approx(evidence.max())
    best = max(scored.candidates, key=lambda c: c.score)
    assert "Okafor" in best.text
