"""Synthetic quiz questions made from a collection's own articles, as extra training data
for the sentence ranker (`fit_ranker.py --synthetic`).

The dev set has 139 answerable questions, few for a ranker over 13 signals. The articles
themselves hold many more question-answer pairs, and reading them needs no dev question or
answer:

- headlines: a named thing in an article's title replaced by a wh-phrase ("Which country
  Biden says US would respond 'militarily' if China attacked?"), answered by that thing's
  name, which the article's body must contain;
- clozes: the same done to one of an article's first 16 sentences, with about a third of
  its other words dropped, so the question does not simply repeat its sentence.

The questions read badly, but a sentence naming the answer still has to be found among the
same candidates, by the same signals, as for a real question. Measured end to end with the
pipeline refitted per fold, they raise answer recall by about one question in 139 (README,
"Answer quality"). Deterministic for a given index.
"""

from __future__ import annotations

import random

from askbrief.ask.answer import is_quotable
from askbrief.ingest.entities import find_entities, in_span
from askbrief.store.base import ReadStore
from askbrief.text import normalize

# The wh-phrases a quiz uses for each kind of entity; one is drawn per question.
WH = {
    "PERSON": ["Who", "Which person"],
    "ORG": ["Which organisation", "Which company"],
    "GPE": ["Which country", "Which city"],
    "DATE": ["When"],
    "CARDINAL": ["How many"],
    "MONEY": ["How much money"],
    "NORP": ["Which nationality"],
    "PERCENT": ["What percentage"],
    "WORK_OF_ART": ["Which film"],
    "EVENT": ["Which event"],
    "LOC": ["Where"],
    "FAC": ["Which place"],
    "PRODUCT": ["Which product"],
}
CLOZE_QUESTIONS = 1200
LEAD_SENTENCES = 16  # clozes come from the top of an article, where news puts its facts
DROP = 0.35  # share of a cloze's other words left out


def _question(rng: random.Random, label: str, words: list[str]) -> str:
    return rng.choice(WH[label]) + " " + " ".join(words).strip(" .,;:-–|") + "?"


def headline_questions(store: ReadStore, seed: int = 0) -> list[dict[str, str]]:
    """One question per named thing in a title that the article's body names too."""
    rng = random.Random(seed)
    articles = [store.article(a) for a in store.article_ids()]
    articles = [a for a in articles if a is not None]
    found = find_entities([a.title for a in articles])
    out: list[dict[str, str]] = []
    for art, entities in zip(articles, found, strict=True):
        text = art.text[len(art.title) :] if art.text.startswith(art.title) else art.text
        body = normalize(text)
        for start, end, label in entities:
            name = art.title[start:end]
            if label not in WH or len(name) < 3 or normalize(name) not in body:
                continue
            rest = (art.title[:start] + " " + art.title[end:]).split()
            if len(rest) < 4:
                continue
            out.append({"question": _question(rng, label, rest), "answer": name})
    return out


def cloze_questions(
    store: ReadStore, n: int = CLOZE_QUESTIONS, seed: int = 0
) -> list[dict[str, str]]:
    """`n` questions, each from a random lead sentence of a random article."""
    rng = random.Random(seed)
    ids = store.article_ids()
    out: list[dict[str, str]] = []
    tries = 0
    while ids and len(out) < n and tries < n * 50:
        tries += 1
        article_id = rng.choice(ids)
        art = store.article(article_id)
        sentences = store.sentences(article_id, 0, LEAD_SENTENCES - 1)
        if art is None or not sentences:
            continue
        span = rng.choice(sentences)
        sentence = art.text[span.start : span.end]
        if not is_quotable(sentence) or not 60 <= len(sentence) <= 300:
            continue
        inside = [
            e for e in in_span(store.entities(article_id), span.start, span.end) if e[2] in WH
        ]
        if not inside:
            continue
        start, end, label = rng.choice(inside)
        name = art.text[start:end]
        if len(name) < 3:
            continue
        rest = (art.text[span.start : start] + " " + art.text[end : span.end]).split()
        if name.lower() in " ".join(rest).lower():
            continue
        kept = [w for w in rest if rng.random() > DROP]
        out.append({"question": _question(rng, label, kept), "answer": name})
    return out
