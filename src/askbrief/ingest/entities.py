"""Named entities: what kind of thing a question asks for, and which sentences hold one.

A news-quiz question names the kind of answer it wants ("which country", "who", "how
many"); the sentence that answers it holds a thing of that kind that the question does not
already name. spaCy's small English pipeline tags entities (people, places, organisations,
dates, amounts) at index time, once per article, so a question only reads them back.
Measured on the dev set, this signal in the ranker raised answer recall by about five
questions in 139 (docs/quality.md, "Answer types").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from askbrief.config import ENTITY_CHARS, NER_MODEL
from askbrief.text import term_set, terms

Entity = tuple[int, int, str]  # (start, end, label) in the article's text

# Only the entity recogniser runs: it carries its own token-to-vector layer, so the shared
# one, the tagger and the parser can stay out (1.7x faster, the same entities).
_EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
_BATCH = 32

PLACE = frozenset({"GPE", "LOC", "FAC"})
# The head noun after "which"/"what" and the entity labels that answer it; first match wins.
_HEADS: tuple[tuple[str, frozenset[str]], ...] = (
    (r"percentage|percent|proportion", frozenset({"PERCENT"})),
    (r"price|cost|sum|fine|salary|fee|funding|amount of money", frozenset({"MONEY"})),
    (r"year|month|day|date|decade|century", frozenset({"DATE"})),
    (
        r"country|countries|nation|state|city|cities|region|island|town|province|county|"
        r"continent|capital|place|location|area|territory|village|neighbou?rhood",
        PLACE | {"NORP"},
    ),
    (
        r"company|companies|firm|airline|automaker|carmaker|newspaper|network|organi[sz]ation|"
        r"group|brand|retailer|bank|university|college|school|team|club|band|agency|party|"
        r"union|league|conference|chain|restaurant|manufacturer|maker|giant|startup|publisher|"
        r"outlet|court|broadcaster|channel|platform|app|website|department|branch|store|business|"
        r"service|supermarket|grocer|studio|label|insurer|carrier|operator|provider|charity|"
        r"nonprofit|federation|committee|council|ministry|regulator|watchdog|authority|"
        r"franchise|hospital|museum|magazine|tabloid|exchange|lender|railway|coalition|"
        r"alliance|militia|army|navy|developer|utility|supplier|distributor",
        frozenset({"ORG"}),
    ),
    (
        r"person|people|man|woman|singer|actor|actress|star|player|politician|leader|candidate|"
        r"president|member|artist|author|writer|director|official|celebrity|rapper|musician|"
        r"athlete|ceo|billionaire|judge|senator|governor|footballer|comedian|host|minister|"
        r"scientist|figure|chef|designer|coach|king|queen|prince|princess|pope|lawmaker|"
        r"entrepreneur|founder|executive|investor|icon|legend|character|superstar|megastar|"
        r"monarch|royal|emperor|duke|duchess|manager|mp|chancellor|mayor|spokesperson|"
        r"spokesman|spokeswoman|astronaut|lawyer|attorney|prosecutor|activist|journalist|"
        r"reporter|presenter|anchor|dancer|composer|producer|filmmaker|novelist|poet|"
        r"economist|doctor|boxer|golfer|swimmer|driver|cyclist|gymnast|skater|quarterback|"
        r"pitcher|striker|goalkeeper|owner|heir|heiress|dictator|suspect|winner|champion|"
        r"contestant|nominee|influencer|youtuber|streamer|magnate|tycoon|mogul|personality",
        frozenset({"PERSON"}),
    ),
    (
        r"film|movie|book|song|album|show|series|novel|play|painting|documentary|podcast",
        frozenset({"WORK_OF_ART"}),
    ),
    (
        r"holiday|event|festival|race|tournament|storm|hurricane|war|championship|award|"
        r"competition|game",
        frozenset({"EVENT"}),
    ),
    (r"language|nationality|religion", frozenset({"LANGUAGE", "NORP"})),
    (
        r"product|vehicle|car|phone|device|drug|vaccine|beverage|drink|food",
        frozenset({"PRODUCT"}),
    ),
)
# "which ... <head>", up to five words between, none a verb: "what did the minister say"
# asks for no minister. A word may be quoted: 'which "Sesame Street" character'.
_GAP = (
    r"(?:\s+(?!(?:is|was|are|were|did|does|do|has|have|had|will|would|can|could)\b)"
    r"[\w&.'’\"“”‘-]+)"
)
_HEAD = re.compile(
    r"\b(?:which|what)\b" + _GAP + r"{0,5}?\s+(" + "|".join(h for h, _ in _HEADS) + r")s?\b"
)
_NAME_OF = re.compile(r"\b(?:what|which) (?:is|was|are|were) the names? of\b")
_SIMPLE: tuple[tuple[str, frozenset[str]], ...] = (
    (r"\bwhat (percentage|percent|share)\b", frozenset({"PERCENT"})),
    (r"\bhow much\b", frozenset({"MONEY", "QUANTITY", "PERCENT"})),
    # "how many minutes/days": a span of time, which the recogniser calls TIME or DATE
    (
        r"\bhow many (?:seconds|minutes|hours|days|weeks|months|years|decades)\b",
        frozenset({"TIME", "DATE", "CARDINAL", "QUANTITY"}),
    ),
    (r"\bhow many\b", frozenset({"CARDINAL", "QUANTITY", "MONEY"})),
    (r"\bhow (old|long)\b", frozenset({"DATE", "TIME", "QUANTITY", "CARDINAL"})),
    (r"\bwhen\b", frozenset({"DATE", "TIME"})),
    (r"\bwhere\b", PLACE),
)
_WHO = re.compile(r"\bwho(m|se)?\b")


def wanted(question: str) -> frozenset[str]:
    """Entity labels that would answer the question; empty when it does not say ('what is')."""
    q = _NAME_OF.sub("which", question.lower())
    for pattern, labels in _SIMPLE:
        if re.search(pattern, q):
            return labels
    found = _HEAD.search(q)
    if found:
        head = found.group(1)
        for pattern, labels in _HEADS:
            if re.fullmatch(pattern, head):
                return labels
    if _WHO.search(q):
        return frozenset({"PERSON", "ORG", "NORP"})
    return frozenset()


@lru_cache(maxsize=1)
def _pipeline() -> Any:
    import importlib

    model = importlib.import_module(NER_MODEL)
    nlp = model.load(exclude=_EXCLUDE)
    nlp.max_length = 10**8  # the recogniser's cost is linear; the default guards the parser
    return nlp


def find_entities(
    texts: Sequence[str], done: Callable[[int], None] | None = None
) -> list[list[Entity]]:
    """Entities in the first ENTITY_CHARS characters of each text, with character offsets
    into it (about 70k characters a second on one core: 90 s for the 860-article dev set).
    `done(n)` is told how many texts are tagged so far, a batch at a time."""
    if not texts:
        return []
    found: list[list[Entity]] = []
    docs = _pipeline().pipe((_head(t) for t in texts), batch_size=_BATCH)
    for doc in docs:
        found.append([(e.start_char, e.end_char, e.label_) for e in doc.ents])
        if done is not None and (len(found) % _BATCH == 0 or len(found) == len(texts)):
            done(len(found))
    return found


def _head(text: str) -> str:
    """The text up to ENTITY_CHARS, cut at white space so no name is cut in two."""
    if len(text) <= ENTITY_CHARS:
        return text
    cut = text.rfind(" ", 0, ENTITY_CHARS)
    return text[: cut if cut > 0 else ENTITY_CHARS]


def in_span(entities: Sequence[Entity], start: int, end: int) -> list[Entity]:
    """The entities wholly inside [start, end); `entities` sorted by start, so a question's
    150-odd candidates each bisect their article's entities instead of scanning them all."""
    i = bisect.bisect_left(entities, start, key=lambda e: e[0])
    out = []
    while i < len(entities) and entities[i][0] < end:
        if entities[i][1] <= end:
            out.append(entities[i])
        i += 1
    return out


def holds_answer(
    wanted_labels: frozenset[str], asked: set[str], text: str, entities: Iterable[Entity]
) -> bool:
    """Does one of `entities` (spans of `text`) have a wanted kind and name something the
    question does not (`asked`: the question's terms)?"""
    return any(
        label in wanted_labels and not set(terms(text[start:end])) <= asked
        for start, end, label in entities
    )


_TOKEN = re.compile(r"\w+")


def slot_fit(
    wanted_labels: frozenset[str], asked: set[str], text: str, start: int, end: int,
    entities: Iterable[Entity],
) -> float:  # fmt: skip
    """How closely a sentence (text[start:end]) fills the question's slot: an entity of the
    wanted kind, new to the question, right next to the question's own words in the same
    clause ("... named Greta Gerwig Director of the Year" for "who was named Director of the
    Year?"). 1 / (1 + words between the entity and the nearest question word); 0 when the
    sentence holds no such entity or shares no word with the question in that clause."""
    return slot_entity(wanted_labels, asked, text, start, end, entities)[1]


def slot_entity(
    wanted_labels: frozenset[str], asked: set[str], text: str, start: int, end: int,
    entities: Iterable[Entity],
) -> tuple[Entity | None, float]:  # fmt: skip
    """The entity that fills the question's slot in text[start:end] best, and how closely
    (slot_fit); (None, 0.0) when none does."""
    fits = slot_fits(wanted_labels, asked, text, start, end, entities)
    best: tuple[Entity | None, float] = (None, 0.0)
    for entity, fit in fits:
        if fit > best[1]:
            best = (entity, fit)
    return best


def slot_fits(
    wanted_labels: frozenset[str], asked: set[str], text: str, start: int, end: int,
    entities: Iterable[Entity],
) -> list[tuple[Entity, float]]:  # fmt: skip
    """Each entity of a wanted kind, new to the question, with how closely it fills the
    question's slot in text[start:end] (slot_fit; 0 when no question word shares its
    clause)."""
    if not wanted_labels:
        return []
    entities = [e for e in entities if e[2] in wanted_labels]
    # a question word inside a thing of the asked kind is its unit ("minutes" in "eight
    # minutes"), not the slot's context
    hits = [
        m
        for m in _TOKEN.finditer(text, start, end)
        if term_set(m.group()) & asked and not any(s <= m.start() < e for s, e, _ in entities)
    ]
    out = []
    for entity in entities:
        e_start, e_end, _ = entity
        if term_set(text[e_start:e_end]) <= asked:
            continue
        best = 0.0
        for m in hits:
            lo, hi = (m.end(), e_start) if m.end() <= e_start else (e_end, m.start())
            between = text[lo:hi]
            if any(p in between for p in ";:!?") or ". " in between:
                continue  # another clause
            best = max(best, 1.0 / (1.0 + len(_TOKEN.findall(between))))
        out.append((entity, best))
    return out
