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

from .entities import Entity, in_span, slot_entity, wanted
from .records import Article, Claim, Quote
from .text import normalize, terms

SAME_TOPIC = 0.4  # share of the question's words a quote must hold to be a claim
BESIDE = 0.25  # slot fit: at most three words between the value and a question word
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
    by_label: dict[str, dict[str, Claim]] = {label: {} for label in sorted(kinds)}
    for q in quotes:
        # about the same thing: most of the question's words in the quote, and the value
        # right beside them (a value elsewhere in the quote answers something else)
        if len(asked & set(terms(q.text))) < SAME_TOPIC * len(asked):
            continue
        text = articles[q.article_id].text
        inside = in_span(entities(q.article_id), q.start, q.end)
        for label, claims in by_label.items():
            if q.article_id in claims:
                continue
            found, fit = slot_entity(frozenset({label}), asked, text, q.start, q.end, inside)
            if found is not None and fit >= BESIDE:
                start, end, _ = found
                value = text[start:end]
                claims[q.article_id] = Claim(value, q.n, q.article_id, q.title, q.date, start, end)
    # values of one kind only: a stadium and its city, or a person and a nationality, are
    # not two answers to the same question
    differing = [c for c in by_label.values() if _distinct([x.value for x in c.values()]) > 1]
    if not differing:
        return ()
    claims = sorted(max(differing, key=len).values(), key=lambda c: c.quote)
    # newest first (ISO dates sort as text), undated last; ties stay in citation order
    dated = sorted((c for c in claims if c.date), key=lambda c: c.date or "", reverse=True)
    return (*dated, *(c for c in claims if not c.date))


def _key(value: str) -> str:
    """Values that say the same thing compare equal: '1,200' and '1200', 'Fifteen' and '15',
    "Alaska Airlines'" and 'Alaska Airlines'."""
    text = re.sub(r"['’]s?\b|['’]$", "", normalize(value).replace(",", ""))
    words = [_NUMBER_WORDS.get(w, w) for w in text.split() if w not in {"the", "a", "an", "about"}]
    return " ".join(words)


def _distinct(values: list[str]) -> int:
    """How many different values: names where one is the start of the other ('Alaska Air',
    'Alaska Airlines') count once; numbers only when equal."""
    keys: list[str] = []
    for key in sorted({_key(v) for v in values}, key=len):
        named = not any(ch.isdigit() for ch in key)
        if not any(key == k or (named and key.startswith(k)) for k in keys):
            keys.append(key)
    return len(keys)
