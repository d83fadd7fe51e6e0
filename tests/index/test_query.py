"""Answers on real articles: the right quotes, exact spans, and abstention.

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/unit/test_query.py."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from support.common import DATA, SEED_FILE, STORES, CountingEmbedder, store_at

from askbrief import Index, Settings, build_index
from askbrief.ask.answer import select
from askbrief.ask.citation import Citation, parse_permalink
from askbrief.ask.ranking import (
    QUESTION_FEATURES,
    READER_FEATURES,
    SENTENCE_FEATURES,
    load_weights,
    reader_probabilities,
)
from askbrief.errors import AskbriefError
from askbrief.records import REASONS, version_of


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
    shutil.copytree(DATA / "corpus", articles / "corpus")
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
        "Who won the national chess championship?",
    ],
)
def test_widened_quotes_carry_on_into_the_next_sentence(index: Index, question: str) -> None:
    """The real answer against its own plain best sentences: a quote that grew ends where
    the article's next sentence ends, and quotes never overlap."""
    answer = index.ask(question)
    chosen = select(
        index.score(question).answers,
        5,
        load_weights().keep_ratio,
        lambda a: index.store.article(a).text,  # type: ignore[union-attr]
    )
    starts = {(c.article_id, c.start) for c in chosen}
    grew = False
    for q in answer.quotes:
        # each quote starts where a plain one does and holds the plain ones it reaches
        assert (q.article_id, q.start) in starts
        inside = [c for c in chosen if c.article_id == q.article_id and q.start <= c.start < q.end]
        assert all(c.end <= q.end for c in inside)
        last = max(inside, key=lambda c: c.end)
        if q.end != last.end:  # the last of them carried on into its next sentence
            assert last.following is not None and last.following[1] == q.end
        text = index.article(q.article_id).text
        added = text[q.start : q.end]
        for c in sorted(inside, key=lambda c: -c.start):
            added = added[: c.start - q.start] + added[c.end - q.start :]
        grew |= bool(added.strip())
    assert all(
        any(
            q.article_id == c.article_id and q.start <= c.start < c.end <= q.end
            for q in answer.quotes
        )
        for c in chosen
    )
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
        # "Okafor beat the defending champion ... in a tense final" answers it too
        ("Who won the national chess championship?", "Okafor", "corpus/chess.html"),
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
            "date",
            "version",
            "permalink",
            "source_link",
        }
    for s in data["sources"]:
        assert {"article_id", "title", "source_path", "published", "source"} <= set(s)


def test_every_quote_cites_its_version_and_a_permalink_to_its_span(index: Index) -> None:
    answer = index.ask("Who won the national chess championship?")
    assert answer.quotes
    for q in answer.quotes:
        text = index.article(q.article_id).text
        assert q.version == version_of(text)
        assert parse_permalink(q.permalink) == Citation(q.article_id, q.version, q.start, q.end)
        assert q.permalink.startswith("/quote?")


@pytest.mark.parametrize("bad", ["", "   \n\t", "\x00\x01\x02"])
def test_empty_questions_are_refused(index: Index, bad: str) -> None:
    with pytest.raises(AskbriefError, match="question is empty"):
        index.ask(bad)


def test_overlong_question_is_refused(index: Index) -> None:
    with pytest.raises(AskbriefError, match="characters long"):
        index.ask("why " * 3000)


def test_candidates_follow_the_order_model_and_refusals_the_evidence_model(
    index: Index,
) -> None:
    """ranker.json holds two first-stage sentence models: candidates are ranked by `order`
    (what the reader reads), the answer model reads scores of `sentence`."""
    import numpy as np

    from askbrief.ask.ranking import order_scores, sentence_scores

    weights = load_weights()
    assert not np.allclose(weights.order, weights.sentence)
    scored = index.score("Who won the national chess championship?")
    feats = scored.sentence_features
    got = np.array([c.score for c in scored.candidates])
    assert np.allclose(got, order_scores(feats, weights))
    col = SENTENCE_FEATURES.col
    evidence = sentence_scores(feats, weights) - col(weights.sentence[:-1], "recency") * col(
        feats, "recency"
    )
    top_score = QUESTION_FEATURES.col(scored.question_features, "top_score")
    assert top_score == pytest.approx(evidence.max())
    best = max(scored.candidates, key=lambda c: c.score)
    assert "Okafor" in best.text


def test_each_signal_sits_where_its_name_says(index: Index) -> None:
    """Index.score's feature rows, read back by name, hold what each name means."""
    import numpy as np

    scored = index.score("How many panels does the floating solar farm have?")
    feats, cands = scored.sentence_features, scored.candidates
    assert feats.shape == (len(cands), len(SENTENCE_FEATURES))
    col = SENTENCE_FEATURES.col
    assert np.allclose(col(feats, "length"), [np.log1p(len(c.text)) for c in cands])
    assert np.allclose(col(feats, "lead"), [1 / (1 + c.idx) for c in cands])
    best_cover = (col(feats, "lex_own") + col(feats, "lex_near")).max()
    q = scored.question_features
    assert q.shape == (len(QUESTION_FEATURES),)
    assert QUESTION_FEATURES.col(q, "best_cover") == pytest.approx(best_cover)
    reader = scored.reader_features
    rank = READER_FEATURES.col(reader, "rank")
    assert list(rank) == [1 / (1 + r) for r in range(len(scored.read_positions))]
    order = np.array([c.score for c in cands])[list(scored.read_positions)]
    assert np.allclose(READER_FEATURES.col(reader, "order"), order)


QUESTIONS = [
    "What did Lavrov call a ceasefire?",
    "How many panels does the floating solar farm have?",
    "Who won the national chess championship?",
    "What did the transport minister call the rail strike?",
    "Which country made covert outreaches about Ukraine, according to Lavrov?",
]


def test_the_reader_reads_the_first_stages_best_and_scores_them(index: Index) -> None:
    """The reader re-scores the first stage's best sentences (each embedded on its own) into
    probabilities, best first; those are what quotes are chosen from."""
    import numpy as np

    scored = index.score("Who won the national chess championship?")
    order = np.array([c.score for c in scored.candidates])
    top = list(np.argsort(-order, kind="stable")[: len(scored.read_positions)])
    assert list(scored.read_positions) == top
    assert scored.reader_features.shape == (len(top), len(READER_FEATURES))
    probs = reader_probabilities(scored.reader_features, load_weights())
    assert probs is not None and np.all((probs > 0) & (probs < 1))
    assert [c.score for c in scored.read] == pytest.approx(sorted(probs, reverse=True))
    assert "Okafor" in scored.read[0].text


def test_a_quote_does_not_carry_on_past_its_paragraph(index: Index) -> None:
    """The panels sentence ends its paragraph; the next one (the mayor on the cost) is
    another subject, so the quote stops where the paragraph does."""
    answer = index.ask("How many panels does the floating solar farm have?")
    first = answer.quotes[0]
    assert "12,400 panels" in first.text and "Mayor" not in first.text
    assert index.article(first.article_id).text[first.end : first.end + 2] == "\n\n"


@pytest.mark.parametrize("question", QUESTIONS)
def test_best_evidence_first_and_only_as_many_quotes_as_it_supports(
    index: Index, question: str
) -> None:
    answer = index.ask(question)
    scored = index.score(question)
    assert answer.answered
    first = answer.quotes[0]
    # quote [1] holds the reader's best sentence (possibly joined to the sentence before or
    # after it, or carried on into the next one)
    best = scored.read[0]
    assert first.article_id == best.article_id and first.start <= best.start < best.end <= first.end
    ratio = load_weights().keep_ratio
    for q in answer.quotes[1:]:
        assert q.score >= ratio * first.score - 1e-4
    # a headline is quoted only as the best evidence, never further down
    for q in answer.quotes[1:]:
        article = index.article(q.article_id)
        assert not (q.start == 0 and article.text[q.start : q.end].startswith(article.title))
    data = answer.to_dict()
    assert data["n_quotes"] == len(answer.quotes)
    assert data["n_articles"] == len(answer.sources)


def test_max_quotes_caps_the_answer(index: Index) -> None:
    # (that the cap holds for any number of candidates: test_join's property test)
    for question in QUESTIONS:
        full = index.ask(question, max_quotes=5)
        one = index.ask(question, max_quotes=1)
        best = index.score(question).read[0]
        assert len(one.quotes) == 1 <= len(full.quotes) <= 5
        for q in (one.quotes[0], full.quotes[0]):  # both lead with the best sentence
            assert q.article_id == best.article_id and q.start <= best.start < best.end <= q.end


@pytest.mark.parametrize(
    "question",
    ["What is the boiling point of tungsten?", "How do I bake sourdough bread at home?"],
)
def test_a_refusal_says_why_and_offers_the_closest_sentence(index: Index, question: str) -> None:
    answer = index.ask(question)
    assert not answer.answered and answer.reason in REASONS
    data = answer.to_dict()
    assert data["why"] == REASONS[answer.reason]
    closest = answer.closest
    assert closest is not None
    assert index.article(closest.article_id).text[closest.start : closest.end] == closest.text


def test_a_follow_up_never_rescues_a_refusal(index: Index) -> None:
    alone = index.ask("What is the price of tungsten?")
    after = index.ask(
        "What is the price of tungsten?", history=["What did Lavrov call a ceasefire?"]
    )
    assert not alone.answered and not after.answered
    assert after.confidence == pytest.approx(alone.confidence)


def test_a_question_that_stands_alone_is_answered_alone(index: Index) -> None:
    alone = index.ask("Who won the national chess championship?")
    after = index.ask(
        "Who won the national chess championship?",
        history=["How many panels does the floating solar farm have?"],
    )
    spans = [(q.article_id, q.start, q.end) for q in alone.quotes]
    assert spans == [(q.article_id, q.start, q.end) for q in after.quotes]


def test_a_question_costs_one_embedding_unless_the_reader_weighs_own_sentences(
    index: Index, counting: CountingEmbedder
) -> None:
    """The own-sentence cosine costs an embedding of every sentence read; it is computed only
    when the fitted reader weighs it."""
    index.ask("Who won the national chess championship?")
    counting.reset()
    index.ask("How many panels does the floating solar farm have?")
    if load_weights().reads_alone:
        assert counting.calls == 2  # the question, then the sentences read
    else:
        assert counting.calls == 1 and counting.embedded == [
            "How many panels does the floating solar farm have?"
        ]


def test_plain_word_match_is_close_even_when_the_model_misses_it(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """A question whose every word is in one sentence is not "nothing close", even when the
    small model scores the passage far below the floor (here about 0.23 against 0.37)."""
    import shutil

    articles = tmp_path / "articles"
    shutil.copytree(SEED_FILE.parent, articles)
    (articles / "lighthouse.txt").write_text(
        "Zorblat Island lighthouse gets a new lamp\n"
        "The Zorblat Island lighthouse was repainted cobalt blue in March by volunteers from "
        "the harbour guild.\n"
        "Keeper Ingrid Vasquez said the new lamp can be seen from forty-two kilometres away.\n",
        encoding="utf-8",
    )
    s = Settings.load(articles_dir=articles, index_dir=tmp_path / "index")
    build_index(s, embedder)
    idx = Index(s, embedder)
    scored = idx.score("What did the harbour guild repaint?")
    assert QUESTION_FEATURES.col(scored.question_features, "top_passage") < (
        load_weights().min_passage
    )
    answer = idx.ask("What did the harbour guild repaint?")
    assert answer.answered and "repainted cobalt blue" in answer.quotes[0].text
    # words the articles never use are still nothing close
    assert not idx.ask("Who won the 1998 football World Cup?").answered


def test_a_quote_of_an_article_with_a_url_links_to_the_page_at_the_quote(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """source_link: the article's URL with a Text Fragment of the quote's words (Chromium
    opening it: tests/browser/test_source_link.py); none for an article without a URL."""
    import json
    import shutil
    from urllib.parse import unquote

    articles = tmp_path / "articles"
    shutil.copytree(SEED_FILE.parent, articles)
    story = {
        "id": "lighthouse-1",
        "title": "Zorblat Island lighthouse gets a new lamp",
        "url": "https://news.example.org/2026/lighthouse#top",
        "text": "The Zorblat Island lighthouse was repainted cobalt blue in March by volunteers "
        "from the harbour guild. Keeper Ingrid Vasquez said the new lamp can be seen from "
        "forty-two kilometres away.",
    }
    (articles / "wire.jsonl").write_text(json.dumps(story) + "\n", encoding="utf-8")
    s = Settings.load(articles_dir=articles, index_dir=tmp_path / "index")
    build_index(s, embedder)
    answer = Index(s, embedder).ask("What did the harbour guild repaint?")
    first = answer.quotes[0]
    assert first.article_id == "lighthouse-1" and first.source_link is not None
    page, fragment = first.source_link.split("#:~:text=")
    assert page == "https://news.example.org/2026/lighthouse"
    assert unquote(fragment.split(",")[0]).split()[:3] == first.text.split()[:3]
    seed = Index(s, embedder).ask("What did Lavrov call a ceasefire?")
    assert seed.quotes and seed.quotes[0].source_link is None  # a .txt file has no URL
