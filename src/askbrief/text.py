"""Word-level text helpers shared by quote selection and keyword search."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer() -> Any:  # a Stemmer.Stemmer: PyStemmer ships no types
    import Stemmer

    return Stemmer.Stemmer("english")


# bm25s's English stop words (`bm25s.stopwords.STOPWORDS_EN`, Lucene's list), written out so
# that a question does not import bm25s; tests/unit/test_keywords.py checks the two agree.
STOPWORDS_EN = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
    ]
)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    # bm25s's list is short; questions add their own function words.
    return STOPWORDS_EN | _QUESTION_WORDS


_QUESTION_WORDS = frozenset(
    [
        "what",
        "who",
        "whom",
        "whose",
        "which",
        "when",
        "where",
        "why",
        "how",
        "did",
        "does",
        "do",
        "done",
        "was",
        "were",
        "is",
        "are",
        "been",
        "has",
        "have",
        "had",
        "can",
        "could",
        "would",
        "should",
        "may",
        "might",
        "must",
        "shall",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "its",
        "them",
        "than",
        "so",
        "very",
        "just",
        "about",
        "also",
        "any",
        "all",
        "some",
        "most",
        "more",
        "many",
        "much",
        "this",
        "week",
        "year",
        "last",
        "new",
        "say",
        "said",
        "says",
        "tell",
        "told",
    ]
)


def normalize(text: str) -> str:
    """NFKC, curly quotes and dashes made plain, lower case, white space collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_PLAIN)
    return " ".join(text.lower().split())


_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-"})


def terms(text: str) -> list[str]:
    """Stemmed content words: the unit of lexical matching."""
    return list(_terms(text))


@lru_cache(maxsize=200_000)
def _terms(text: str) -> tuple[str, ...]:
    """Cached: a question's stages ask for the same sentences' words, as do related questions."""
    words = [w for w in _WORD.findall(normalize(text)) if w not in stopwords()]
    return tuple(_stemmer().stemWords(words))


@lru_cache(maxsize=200_000)
def term_set(text: str) -> frozenset[str]:
    """terms() as a set, cached: the same sentences come back question after question."""
    return frozenset(terms(text))


def keyword_tokens(texts: list[str]) -> list[list[str]]:
    """Tokens for BM25, the same for sentences and questions."""
    return [terms(t) for t in texts]


# Words that point back at something an earlier question named.
_BACK_REFERENCES = frozenset(
    [
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "they",
        "them",
        "their",
        "theirs",
        "it",
        "its",
        "this",
        "these",
        "those",
        "former",
        "latter",
    ]
)
_ELLIPSIS = re.compile(r"^\s*(and|but|also|what about|how about|and what about)\b", re.I)


def depends_on_context(question: str) -> bool:
    """True for a follow-up that leans on an earlier question: it points back ("what did he
    say?", "when did that happen?") or continues one ("and France?", "what about Spain?").
    A question with neither stands on its own and is answered on its own."""
    if _ELLIPSIS.match(question):
        return True
    words = [w.lower() for w in _WORD.findall(question)]
    return len(words) < 3 or any(w in _BACK_REFERENCES for w in words)


def plural(count: object, word: str) -> str:
    """The word as it follows `count`: never "1 passages", "1 articles" or "1 quotes"."""
    if count == 1:
        return word
    return word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"


def counted(count: object, word: str) -> str:
    """'1 passage', '2 passages': messages whose words agree with their numbers."""
    return f"{count} {plural(count, word)}"


def first_line(text: str) -> str:
    """The first line that is not blank, stripped; "" when there is none: an article's title
    from its text, a one-line summary of an error's message."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""
