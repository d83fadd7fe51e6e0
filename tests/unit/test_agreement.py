"""Answers several articles agree on (agreement.py), and the years a question names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from askbrief.ask.agreement import (
    answer_key,
    answer_span,
    count_votes,
    mark_candidates,
    sentence_agreement,
)
from askbrief.ask.ranking import MARK_FEATURES
from askbrief.ask.timeframe import years_unmatched
from askbrief.text import terms

PLACES = frozenset({"GPE"})


@dataclass(frozen=True)
class Sent:
    article_id: str
    start: int
    end: int
    text: str


def corpus(*articles: tuple[str, str]) -> tuple[list[Sent], dict[str, str], dict]:
    """One sentence per article; entities: the capitalised words after 'in' or 'to'."""
    import re

    sents, texts, ents = [], {}, {}
    for aid, text in articles:
        texts[aid] = text
        sents.append(Sent(aid, 0, len(text), text))
        ents[aid] = [
            (m.start(1), m.end(1), "GPE")
            for m in re.finditer(r"(?:in|to) ([A-Z]\w+(?: [A-Z]\w+)*)", text)
        ]
    return sents, texts, ents


def votes_of(question: str, *articles: tuple[str, str]):
    sents, texts, ents = corpus(*articles)
    asked = set(terms(question))
    return count_votes(PLACES, asked, sents, lambda s: ents[s.article_id], texts.__getitem__)


def test_the_answer_most_articles_name_leads() -> None:
    votes = votes_of(
        "Which country did the minister visit?",
        ("a", "The minister flew to Kenya on Monday."),
        ("b", "The minister arrived in Kenya."),
        ("c", "The minister stopped in Chad."),
    )
    assert votes.top == answer_key("Kenya")
    assert votes.share(answer_key("Kenya")) > votes.share(answer_key("Chad")) > 0
    assert abs(sum(votes.shares.values()) - 1.0) < 1e-9
    assert votes.lead > 0


def test_a_syndicated_copy_counts_once_and_an_article_once() -> None:
    copied = "The minister stopped in Chad."
    votes = votes_of(
        "Which country did the minister visit?",
        ("a", "The minister flew to Kenya on Monday."),
        ("b", copied),
        ("c", copied),  # the same sentence on another site
        ("d", "The minister arrived in Kenya."),
    )
    assert votes.top == answer_key("Kenya")
    # an article naming a place twice gives it one vote
    once = votes_of("Which country?", ("a", "He went to Peru and back to Peru."))
    twice = votes_of("Which country?", ("a", "He went to Peru."), ("b", "She went to Peru."))
    assert once.shares == {answer_key("Peru"): 1.0}
    assert twice.shares == {answer_key("Peru"): 1.0}


def test_a_place_the_question_names_gets_no_vote() -> None:
    votes = votes_of(
        "Which country did the minister of Kenya visit?",
        ("a", "The minister flew to Kenya and on to Chad."),
    )
    assert set(votes.shares) == {answer_key("Chad")}


def test_no_kind_asked_no_votes() -> None:
    sents, texts, ents = corpus(("a", "The minister flew to Kenya."))
    votes = count_votes(frozenset(), set(), sents, lambda s: ents[s.article_id], texts.get)
    assert votes.shares == {} and votes.top is None and votes.lead == 0.0


def test_numbers_are_one_answer_however_grouped() -> None:
    assert answer_key("42,000") == answer_key("42000")
    assert answer_key("the United States") == answer_key("United States")


def counts(stems: list[str]) -> tuple[dict[str, int], int]:
    return dict.fromkeys(stems, 1), 100


# a mark model that weighs the votes and the slot's closeness, as the fitted one does
MODEL = np.array(MARK_FEATURES.row(share=4.0, top=1.0, fit=2.0, exact_kind=0.0, asked_kind=0.0,
                                   position=0.0, rarity=0.0, words=0.0, capitals=-2.0) + [-2.0])  # fmt: skip


def marked(question: str, articles: tuple[tuple[str, str], ...], aid: str, start: int, end: int):
    votes = votes_of(question, *articles)
    _, texts, ents = corpus(*articles)
    found, feats = mark_candidates(
        votes, PLACES, set(terms(question)), texts[aid], ents[aid], start, end, counts
    )
    span = answer_span(found, feats, MODEL, 0.5, texts[aid])
    return texts[aid][span[0] : span[1]] if span else None


def test_sentence_agreement_and_the_marked_words() -> None:
    question = "Which country did the minister visit?"
    articles = (
        ("a", "The minister flew to Kenya on Monday, then back in Chad."),
        ("b", "The minister arrived in Kenya."),
        ("c", "She was in Kenya by noon."),
    )
    votes = votes_of(question, *articles)
    _, texts, ents = corpus(*articles)
    asked = set(terms(question))
    share, top = sentence_agreement(votes, PLACES, asked, texts["a"], ents["a"])
    assert top == 1.0 and share == votes.share(answer_key("Kenya"))
    text = texts["a"]
    assert marked(question, articles, "a", 0, len(text)) == "Kenya"
    # only words inside the quote: nothing of the asked kind there, no mark
    assert marked(question, articles, "a", 0, 10) is None
    found, feats = mark_candidates(votes, PLACES, asked, text, ents["a"], 0, len(text), counts)
    assert [text[a:b] for a, b, _ in found] == ["Kenya", "Chad"]
    assert feats.shape == (2, len(MARK_FEATURES))
    assert list(MARK_FEATURES.col(feats, "top")) == [1.0, 0.0]


def test_no_mark_when_nothing_is_clear() -> None:
    question = "Which country did the minister visit?"
    # two places, equally voted, neither in a clause with the question's words
    articles = (("a", "The minister travelled. Off to Kenya and to Chad."),)
    assert marked(question, articles, "a", 0, len(articles[0][1])) is None


def test_a_surname_is_the_full_name_it_belongs_to() -> None:
    votes = votes_of(
        "Which country?",
        ("a", "He flew to South Sudan."),
        ("b", "He landed in Sudan."),  # 'sudan' counts for 'south sudan'
    )
    assert votes.shares == {answer_key("South Sudan"): 1.0}
    assert votes.share(answer_key("Sudan")) == 1.0


def test_years_a_question_names_against_what_was_read() -> None:
    days = [date(2024, 2, 1)]
    assert years_unmatched("Who won the 2022 midterms?", ["He won."], days) == 1.0
    assert years_unmatched("Who won in 2024?", ["He won."], days) == 0.0
    assert years_unmatched("Who won the 2022 race?", ["The 2022 race was close."], days) == 0.0
    assert years_unmatched("Who won the race?", ["He won."], days) == 0.0
    assert years_unmatched("From 2021 to 2024?", ["x"], days) == 0.5
