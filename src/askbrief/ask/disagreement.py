"""Sources that disagree: quotes from different articles that answer the question with
different values of the asked-for kind (two counts, two names, two dates).

News is revised: a first report says 12 killed, a later one 15. When the chosen quotes do
that, the answer says so and shows each value beside its source and date, newest first,
instead of leaving the reader to notice. Nothing is generated: each value is the span of a
named entity tagged at index time, inside a quote, so `article.text[start:end] == value`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from askbrief.ingest.entities import Entity, in_span, slot_entity, wanted
from askbrief.records import Article, Claim, Quote
from askbrief.text import normalize, terms

SAME_TOPIC = 0.4  # share of the question's words a quote must hold to be a claim
BESIDE = 0.25  # slot fit: at most three words between the value and a question word
# An amount is one kind of value under three labels: spaCy's small model tags it MONEY or
# QUANTITY only when it knows the unit ("$15 million", "200 pounds"), else only the CARDINAL
# in it ("15 million euros" is the CARDINAL "15 million"). So a question after any of them
# ("how much", "how many", "which price") takes all three, compared by their numbers.
AMOUNT = frozenset({"MONEY", "QUANTITY", "CARDINAL"})
_NUMERIC = AMOUNT | {"PERCENT"}  # kinds whose values are compared by their numbers
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(thousand|million|billion|trillion)\b)?")
_NUMBER_WORDS = {
    w: str(n)
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}


def differing_claims(
    question: str,
    quotes: Sequence[Quote],
    articles: dict[str, Article],
    entities: Callable[[str], list[Entity]],
) -> tuple[Claim, ...]:
    """Each article's answer to the question, when at least two articles give different
    ones; () when the quotes agree, when only one article answers, or when the question
    does not say what kind of thing it asks for."""
    kinds = wanted(question)
    asked = set(terms(question))
    if not kinds or not asked:
        return ()
    by_kind: dict[frozenset[str], dict[str, Claim]] = {kind: {} for kind in _kinds(kinds)}
    for q in quotes:
        # about the same thing: most of the question's words in the quote, and the value
        # right beside them (a value elsewhere in the quote answers something else)
        if len(asked & set(terms(q.text))) < SAME_TOPIC * len(asked):
            continue
        text = articles[q.article_id].text
        inside = in_span(entities(q.article_id), q.start, q.end)
        for kind, claims in by_kind.items():
            if q.article_id in claims:
                continue
            found, fit = slot_entity(kind, asked, text, q.start, q.end, inside)
            if found is not None and fit >= BESIDE:
                start, end, _ = found
                value = text[start:end]
                claims[q.article_id] = Claim(value, q.n, q.article_id, q.title, q.date, start, end)
    # values of one kind only: a stadium and its city, or a person and a nationality, are
    # not two answers to the same question
    differing = [
        claims
        for kind, claims in by_kind.items()
        if _distinct([c.value for c in claims.values()], kind <= _NUMERIC) > 1
    ]
    if not differing:
        return ()
    chosen = sorted(max(differing, key=len).values(), key=lambda c: c.quote)
    # newest first (ISO dates sort as text), undated last; ties stay in citation order
    dated = sorted((c for c in chosen if c.date), key=lambda c: c.date or "", reverse=True)
    return (*dated, *(c for c in chosen if not c.date))


def _kinds(labels: frozenset[str]) -> list[frozenset[str]]:
    """The asked-for labels as kinds of value: the amount labels one kind, each other its own."""
    kinds = [frozenset({label}) for label in sorted(labels - AMOUNT)]
    return [*kinds, AMOUNT] if labels & AMOUNT else kinds


def _key(value: str) -> str:
    """Values that say the same thing compare equal: '1,200' and '1200', 'Fifteen' and '15',
    "Alaska Airlines'" and 'Alaska Airlines'."""
    text = re.sub(r"['’]s?\b|['’]$", "", normalize(value).replace(",", ""))
    words = [_NUMBER_WORDS.get(w, w) for w in text.split() if w not in {"the", "a", "an", "about"}]
    return " ".join(words)


def _amount(value: str) -> str:
    """An amount by its numbers alone, scale words applied: '€12 million', '12 million euros'
    and '12,000,000' are one value; the unit is left to the quote around it."""
    text = _key(value)
    numbers = [float(n) * _SCALE.get(scale, 1.0) for n, scale in _NUMBER.findall(text)]
    return " ".join(f"{n:.15g}" for n in numbers) or text


def _distinct(values: list[str], numeric: bool = False) -> int:
    """How many different values: names where one is the start of the other ('Alaska Air',
    'Alaska Airlines') count once; numbers only when equal, and amounts (`numeric`) by
    their numbers alone."""
    keys: list[str] = []
    for key in sorted({(_amount if numeric else _key)(v) for v in values}, key=len):
        named = not any(ch.isdigit() for ch in key)
        if not any(key == k or (named and key.startswith(k)) for k in keys):
            keys.append(key)
    return len(keys)
