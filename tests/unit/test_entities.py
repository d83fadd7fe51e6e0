"""Answer types: what a question asks for, the entities stored with each article, and that
a sentence naming a thing of the kind asked for is preferred.

Here, what needs no model and no index; the rest: tests/index/test_entities.py."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from askbrief.ingest.entities import PLACE, find_entities, holds_answer, in_span, wanted


@pytest.mark.parametrize(
    ("question", "labels"),
    [
        ("Which country declared an internal armed conflict this week?", PLACE | {"NORP"}),
        ("Which US state became the first to ban the sale?", PLACE | {"NORP"}),
        ("Which airline found loose bolts on its planes?", {"ORG"}),
        ("Which R&B singer released a country album?", {"PERSON"}),
        ("Who beat the 16-year-old darts prodigy?", {"PERSON", "ORG", "NORP"}),
        ("How many hacking attempts does the bank fight off each day?", {"CARDINAL"}),
        ("What percentage of teenagers feel addicted?", {"PERCENT"}),
        ("What is the name of the storm that hit Britain?", {"EVENT"}),
        ("When did the strike end?", {"DATE"}),
        ("What did the minister say about the strike?", set()),
        # a quoted name between "which" and the head noun
        ('Which "Muppets" character sang the theme song?', {"PERSON"}),
        ("Which “Muppets” character sang the theme song?", {"PERSON"}),
        ("Which pop superstar released a surprise album?", {"PERSON"}),
        ("Which streaming service bought the rights to the league?", {"ORG"}),
        ("Which UK supermarket raised its prices?", {"ORG"}),
    ],
)
def test_what_a_question_asks_for(question: str, labels: set[str]) -> None:
    assert labels <= wanted(question)
    assert bool(labels) == bool(wanted(question))


def test_entities_are_spans_of_the_text() -> None:
    text = "On Friday, Japan became the fifth nation to land a craft on the moon."
    (found,) = find_entities([text])
    named = {text[s:e]: label for s, e, label in found}
    assert named.get("Japan") == "GPE" and named.get("Friday") == "DATE"
    asked = {"countri", "land", "moon"}
    assert holds_answer(frozenset({"GPE"}), asked, text, found)
    assert not holds_answer(frozenset({"PERSON"}), asked, text, found)
    assert in_span(found, 0, 9) == [e for e in found if e[1] <= 9]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=120), min_size=1, max_size=4))
def test_entity_offsets_always_fall_inside_odd_texts(texts: list[str]) -> None:
    for text, found in zip(texts, find_entities(texts), strict=True):
        for start, end, label in found:
            assert 0 <= start < end <= len(text) and label
            assert text[start:end].strip()
