"""Is a quote about what the question asks about? Its article must mention every name the
question gives and most of its other distinctive words.

Retrieval finds sentences *like* the question, and with two towns' articles indexed, "Who
is the police chief of Ashford?" is very like Brennick's police chief. The fitted models
weigh words in common, but a sentence from another story can still win. So an answer is
kept to articles that mention every name the question gives (a place, a person, an
organisation) and at least MIN_WORD_COVER of its other words ("mayor" in "Who is the
mayor of Ashford?"). When no close article does, the question is about
something the articles do not cover, and a refusal that names the missing words beats a
confident quote about another town.

Words the collection never uses are not asked for (the answer may say "took 22 minutes"
to "how long"), nor are idioms like "how long" or the question's time words; names are,
always: a name no article mentions is exactly what the articles do not cover."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise

from .ranking import name_spans
from .stores import ReadStore
from .text import normalize, terms

# Share of the question's other words an answer's article must mention. Each word counts
# once: weighting by rarity let a rare verb ("call") outweigh the subject ("ceasefire"),
# which an article about it uses so often that its weight is low.
MIN_WORD_COVER = 0.5
# "how long/many/much…" asks for a kind of answer; its adjective is not the subject.
_HOW = re.compile(r"\bhow\s+(?:long|many|much|far|old|often|big|large|tall|high|soon|late)\b", re.I)


@dataclass(frozen=True)
class Focus:
    """What an answer's article must mention."""

    names: tuple[tuple[str, frozenset[str]], ...]  # each name as asked, with its stems
    words: tuple[tuple[str, str], ...]  # the other words the collection uses: (stem, as asked)
    # Two neighbouring words of the question ("harbour master", "police chief"): once an
    # article read uses one as a phrase, an answer's article must too, since the festival
    # article's "harbour road" is no harbour master.
    phrases: tuple[str, ...] = ()

    @property
    def stems(self) -> list[str]:
        return sorted({s for _, stems in self.names for s in stems} | {s for s, _ in self.words})

    def missing_from(self, held: dict[str, set[str]], article_id: str) -> list[str]:
        """What `article_id` lacks, as the question words it: [] if it may answer."""
        out = [
            n for n, stems in self.names if any(article_id not in held.get(s, ()) for s in stems)
        ]
        lacking = [word for s, word in self.words if article_id not in held.get(s, ())]
        if len(self.words) - len(lacking) < MIN_WORD_COVER * len(self.words):
            out += lacking
        seen = [p for p in self.phrases if held.get(p)]  # phrases some article read uses
        return out + [p for p in seen if article_id not in held[p]]


def focus(question: str, counts: dict[str, int], ignore: Iterable[str] = ()) -> Focus:
    """The question's names and other words; `counts` (sentences holding each stem) covers
    at least the question's stems; `ignore`: words not about the subject (the question's
    time words, "this week")."""
    skip = set(terms(" ".join(ignore)))
    plain = _HOW.sub(" ", question)
    named = tuple(
        (span, stems) for span in name_spans(plain) if (stems := frozenset(terms(span)) - skip)
    )
    in_names = {s for _, stems in named for s in stems}
    spelled = _spellings(plain)
    words = tuple(
        (t, spelled.get(t, t))
        for t in dict.fromkeys(terms(plain))
        if t not in skip and t not in in_names and counts.get(t, 0) > 0
    )
    return Focus(named, words, _phrases(plain, in_names | skip))


def holding(
    store: ReadStore, need: Focus, articles: set[str], text_of: Callable[[str], str]
) -> dict[str, set[str]]:
    """Which of `articles` mention each stem `need` asks for (from the keyword index), and
    each of its phrases (in the articles' text, `text_of(article_id)`)."""
    if not articles:
        return {}
    held = store.articles_holding(need.stems, articles) if need.stems else {}
    if need.phrases:
        texts = {a: normalize(text_of(a)) for a in articles}
        for phrase in need.phrases:
            pattern = re.compile(rf"\b{re.escape(phrase)}\b")
            held[phrase] = {a for a, text in texts.items() if pattern.search(text)}
    return held


def _phrases(question: str, skip: set[str]) -> tuple[str, ...]:
    """Neighbouring pairs of the question's content words, as written, lower case."""
    words = re.findall(r"[\w'’-]+|[^\w\s]", normalize(question))
    out = []
    for a, b in pairwise(words):
        if all(_content(w, skip) for w in (a, b)):
            out.append(f"{a} {b}")
    return tuple(out)


def _content(word: str, skip: set[str]) -> bool:
    stems = terms(word)
    return len(stems) == 1 and stems[0] not in skip and word.isalpha()


def _spellings(question: str) -> dict[str, str]:
    """Each stem of the question back to a word as the user wrote it, for messages."""
    out: dict[str, str] = {}
    for word in re.findall(r"[\w'’.-]+", question):
        word = re.sub(r"['’]s$", "", word.strip("'’.-"))
        for stem in terms(word):
            out.setdefault(stem, word)
    return out
