"""Is a quote about what the question asks about? Its article must mention every name the
question gives and a fair share of its other words.

Retrieval finds sentences *like* the question, and with two towns' articles indexed, "Who
is the police chief of Ashford?" is very like Brennick's police chief. The fitted models
weigh words in common, but a sentence from another story can still win. So an answer is
kept to articles that mention every name the question gives (a place, a person, an
organisation) and at least MIN_WORD_COVER of its other words ("mayor" in "Who is the mayor
of Ashford?"). When no close article does, the question is about something the articles
do not cover, and a refusal that names the missing words beats a confident quote about
another town.

Not asked for: words the collection never uses (the answer may say "took 22 minutes" to
"how long"), idioms like "how long", the question's time words, month and weekday names,
and short acronyms ("US", "AI", "TV"), which articles spell many ways ("U.S.")."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from askbrief.ask.answer import nearest_read
from askbrief.ask.ranking import name_spans
from askbrief.ask.timeframe import CALENDAR_WORDS
from askbrief.records import Candidate
from askbrief.store.base import ReadStore
from askbrief.text import normalize, terms

# Share of the question's other words an answer's article must mention, each word counted
# once (weighting by rarity let a rare verb, "call", outweigh the subject, "ceasefire").
# On RealTime QA's 2024 questions a third keeps nearly every article that holds the answer
# while most articles read for questions about other news fail it (docs/quality.md).
MIN_WORD_COVER = 1 / 3
# "how long/many/much…" asks for a kind of answer; its adjective is not the subject.
_HOW = re.compile(r"\bhow\s+(?:long|many|much|far|old|often|big|large|tall|high|soon|late)\b", re.I)


@dataclass(frozen=True)
class Focus:
    """What an answer's article must mention."""

    names: tuple[tuple[str, frozenset[str]], ...]  # each name as asked, with its stems
    words: tuple[tuple[str, str], ...]  # the other words the collection uses: (stem, as asked)
    # Neighbouring words ("harbour master"): where an article read uses the pair as a phrase,
    # the pair counts as one word, found only as that phrase (the festival article's
    # "harbour road" is no harbour master).
    phrases: tuple[str, ...] = ()

    @property
    def stems(self) -> list[str]:
        return sorted({s for _, stems in self.names for s in stems} | {s for s, _ in self.words})

    def missing_from(self, held: dict[str, set[str]], article_id: str) -> list[str]:
        """What `article_id` lacks, as the question words it: [] if it may answer."""
        out = [
            n for n, stems in self.names if any(article_id not in held.get(s, ()) for s in stems)
        ]
        units = self._units(held)
        lacking = [unit for unit, key in units if article_id not in held.get(key, ())]
        if len(units) - len(lacking) < MIN_WORD_COVER * len(units):
            out += lacking
        return out

    def _units(self, held: dict[str, set[str]]) -> list[tuple[str, str]]:
        """(as asked, key in `held`) per word, a phrase some article read uses as one."""
        used = [p for p in self.phrases if held.get(p)]
        paired = {s for p in used for s in terms(p)}
        return [(w, s) for s, w in self.words if s not in paired] + [(p, p) for p in used]


def focus(question: str, counts: dict[str, int], ignore: Iterable[str] = ()) -> Focus:
    """The question's names and other words; `counts` (sentences holding each stem) covers
    at least the question's stems; `ignore`: words not about the subject (the question's
    time words, "this week")."""
    skip = set(terms(" ".join(ignore))) | CALENDAR_WORDS
    plain = _HOW.sub(" ", question)
    named = []
    for span in name_spans(plain):
        kept = " ".join(w for w in span.split() if not _acronym(w) and w.lower() not in skip)
        stems = frozenset(terms(kept)) - skip
        if stems:
            named.append((kept, stems))
    in_names = {s for _, stems in named for s in stems}
    spelled = _spellings(plain)
    words = tuple(
        (t, spelled.get(t, t))
        for t in dict.fromkeys(terms(plain))
        if t not in skip and t not in in_names and counts.get(t, 0) > 0
    )
    asked = {s for s, _ in words}
    pairs = tuple(p for p in _pairs(plain) if len(two := terms(p)) == 2 and set(two) <= asked)
    return Focus(tuple(named), words, pairs)


def holding(
    store: ReadStore, need: Focus, articles: set[str], text_of: Callable[[str], str]
) -> dict[str, set[str]]:
    """Which of `articles` mention each stem `need` asks for (from the keyword index), and
    each of its phrases (in the text `text_of(article_id)`)."""
    if not articles:
        return {}
    held = store.articles_holding(need.stems, articles) if need.stems else {}
    if need.phrases:
        texts = {a: normalize(text_of(a)) for a in articles}
        for phrase in need.phrases:
            found = re.compile(rf"\b{re.escape(phrase)}\b").search
            held[phrase] = {a for a, text in texts.items() if found(text)}
    return held


def _pairs(question: str) -> list[str]:
    """Neighbouring words of the question, lower case, no punctuation between them."""
    words = re.findall(r"[\w'’-]+|[^\w\s]", normalize(question))
    return [f"{a} {b}" for a, b in pairwise(words) if a.isalpha() and b.isalpha()]


def _acronym(word: str) -> bool:
    """'US', 'AI', 'TV': written 'U.S.', 'A.I.' or spelled out as often as not."""
    return word.isupper() and len(word) <= 3


def _spellings(question: str) -> dict[str, str]:
    """Each stem of the question back to a word as the user wrote it, for messages."""
    out: dict[str, str] = {}
    for word in re.findall(r"[\w'’.-]+", question):
        word = re.sub(r"['’]s$", "", word.strip("'’.-"))
        for stem in terms(word):
            out.setdefault(stem, word)
    return out


def keep_on_subject(
    question: str,
    read: Sequence[Candidate],
    store: ReadStore,
    counts: dict[str, int],
    ignore: Iterable[str],
    text_of: Callable[[str], str],
) -> tuple[tuple[Candidate, ...], tuple[str, ...]]:
    """The sentences read whose article is on the question's subject, best first; and when
    there are none, what the closest one's article lacks, for the refusal to name."""
    need = focus(question, counts, ignore)
    held = holding(store, need, {c.article_id for c in read}, text_of)
    kept = tuple(c for c in read if not need.missing_from(held, c.article_id))
    nearest = nearest_read(read)
    if kept or nearest is None:
        return kept, ()
    return kept, tuple(need.missing_from(held, nearest.article_id))
