"""Quote windows: a quote carries on into its article's next sentence within the answer's
character budget, and every widened quote is still the article's exact text."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st
from support.sentences import STORY, TEXT, article, cand, spans

from askbrief.ask.answer import widen
from askbrief.text import term_set


def test_the_answer_after_the_matching_sentence_is_quoted() -> None:
    s = spans(STORY)
    out = widen([cand(STORY, s, 0, 1.0)], {"a": article(STORY)}, 850)
    assert out[0].text == STORY[s[0][0] : s[1][1]]
    assert "Anna Richardson" in out[0].text and "Share this" not in out[0].text


BRIDGE = (
    "Bridge reopens\n"
    "The old bridge closed last year. Repairs cost 3.7 million euros.\n"
    "The bridge reopens in June, the council said.\n"
    "Separately, the library will open until 9 p.m. on weekdays."
)


def test_a_quote_carries_on_past_its_paragraph_only_on_the_question_s_subject() -> None:
    """Into the next paragraph only when its sentence holds a word of the question: the
    bridge again, yes; the library, no (another subject)."""
    s = spans(BRIDGE)
    asked = term_set("How much did the bridge repairs cost?")
    cost = widen([cand(BRIDGE, s, 2, 1.0)], {"a": article(BRIDGE)}, 850, asked)[0]
    assert (
        cost.text
        == "Repairs cost 3.7 million euros.\nThe bridge reopens in June, the council said."
    )
    reopens = widen([cand(BRIDGE, s, 3, 1.0)], {"a": article(BRIDGE)}, 850, asked)[0]
    assert reopens.text == "The bridge reopens in June, the council said."
    alone = widen([cand(BRIDGE, s, 2, 1.0)], {"a": article(BRIDGE)}, 850)[0]
    assert alone.text == "Repairs cost 3.7 million euros."


def test_no_room_no_widening() -> None:
    s = spans(STORY)
    first = cand(STORY, s, 0, 1.0)
    out = widen([first], {"a": article(STORY)}, len(first.text) + 10)
    assert out == [first]


def test_a_next_sentence_already_quoted_or_a_fragment_is_left_alone() -> None:
    s = spans(STORY)
    both = [cand(STORY, s, 0, 2.0), cand(STORY, s, 1, 1.0)]
    out = widen(both, {"a": article(STORY)}, 10_000)
    # The first quote's next sentence is the second quote; the second's is "Share this."
    assert out == both


@settings(max_examples=150, deadline=None)
@given(TEXT, st.data())
def test_widened_quotes_are_exact_and_within_budget(text: str, data: st.DataObject) -> None:
    s = spans(text)
    if not s:
        return
    picked = data.draw(st.lists(st.integers(0, len(s) - 1), min_size=1, max_size=5, unique=True))
    chosen = [cand(text, s, i, -n) for n, i in enumerate(picked)]
    budget = data.draw(st.integers(0, 2 * len(text) + 1))
    out = widen(chosen, {"a": article(text)}, budget)
    before = sum(len(c.text) for c in chosen)
    assert sum(len(c.text) for c in out) <= max(budget, before)
    taken = {c.idx for c in chosen}
    for old, new in zip(chosen, out, strict=True):
        assert text[new.start : new.end] == new.text
        assert (new.idx, new.start, new.score) == (old.idx, old.start, old.score)
        if new.end != old.end:
            assert new.end == s[old.idx + 1][1] and old.idx + 1 not in taken
    ranges = sorted((c.start, c.end) for c in out)
    assert all(a[1] <= b[0] for a, b in pairwise(ranges))
