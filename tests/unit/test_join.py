"""Neighbouring sentences chosen for one answer are one quote: the reader reads a passage,
not its halves, and the first quote holds the sentence beside the best one. Every joined
quote is still the article's exact text."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st
from support.sentences import STORY, TEXT, cand, spans

from askbrief.ask.answer import join_touching, select, widen
from askbrief.records import Article


def test_the_sentence_after_the_best_joins_it() -> None:
    s = spans(STORY)
    out = select([cand(STORY, s, 0, 0.9), cand(STORY, s, 1, 0.5)], 5, 0.0, lambda _: STORY)
    assert len(out) == 1
    assert out[0].text == STORY[s[0][0] : s[1][1]] and out[0].score == 0.9
    assert out[0].following == s[2]


def test_the_sentence_before_the_best_joins_it_in_reading_order() -> None:
    s = spans(STORY)
    out = select([cand(STORY, s, 1, 0.9), cand(STORY, s, 0, 0.5)], 5, 0.0, lambda _: STORY)
    assert [(q.idx, q.start, q.end, q.score) for q in out] == [(0, s[0][0], s[1][1], 0.9)]


def test_sentences_apart_stay_apart_and_a_gap_filled_later_joins_all_three() -> None:
    s = spans(STORY)
    apart = select([cand(STORY, s, 0, 0.9), cand(STORY, s, 2, 0.5)], 5, 0.0, lambda _: STORY)
    assert [q.idx for q in apart] == [0, 2]
    three = [cand(STORY, s, 0, 0.9), cand(STORY, s, 2, 0.5), cand(STORY, s, 1, 0.4)]
    out = select(three, 5, 0.0, lambda _: STORY)
    assert [(q.start, q.end, q.score) for q in out] == [(s[0][0], s[2][1], 0.9)]


def test_a_quote_carried_on_up_to_the_next_one_joins_it() -> None:
    text = (
        "The council met on Monday evening. "
        "It voted to repaint the lighthouse. "
        "The colour chosen was cobalt blue. "
        "Work starts in March."
    )
    s = spans(text)
    chosen = select([cand(text, s, 0, 0.9), cand(text, s, 2, 0.5)], 5, 0.0, lambda _: text)
    assert len(chosen) == 2  # apart: one sentence between them
    articles = {"a": Article("a", "A", text, "a.txt", "txt")}
    out = join_touching(widen(chosen, articles, 850), lambda _: text)
    # the first carried on into the second sentence, the other into the fourth: one passage
    assert [(q.start, q.end, q.score) for q in out] == [(s[0][0], s[3][1], 0.9)]
    assert out[0].text == text


def test_without_article_text_nothing_is_joined() -> None:
    s = spans(STORY)
    out = select([cand(STORY, s, 0, 0.9), cand(STORY, s, 1, 0.5)], 5)
    assert len(out) == 2


@settings(max_examples=200, deadline=None)
@given(TEXT, st.data())
def test_joined_quotes_are_exact_disjoint_and_apart(text: str, data: st.DataObject) -> None:
    s = spans(text)
    if not s:
        return
    picked = data.draw(st.lists(st.integers(0, len(s) - 1), min_size=1, max_size=12, unique=True))
    scores = data.draw(st.lists(st.floats(0.01, 1.0), min_size=len(picked), max_size=len(picked)))
    cap = data.draw(st.integers(1, 5))
    out = select(
        [cand(text, s, i, p) for i, p in zip(picked, scores, strict=True)], cap, 0.0, lambda _: text
    )
    assert 1 <= len(out) <= cap
    assert out[0].score == max(scores)
    for q in out:
        assert text[q.start : q.end] == q.text
    ranges = sorted((q.start, q.end) for q in out)
    for a, b in pairwise(ranges):
        # disjoint, and never two quotes with only white space between them
        assert a[1] <= b[0] and text[a[1] : b[0]].strip()
