"""Odd texts for the property tests of chunking and quoting (mixed scripts, emoji, combining
marks, odd line breaks, abbreviations), and quote candidates made from a text's sentences."""

from __future__ import annotations

from hypothesis import strategies as st

from askbrief.ingest.chunking import chunk
from askbrief.records import Article, Candidate

# Odd texts: mixed scripts, emoji, combining marks, CR/LF/Unicode line breaks, runs of
# punctuation and white space, abbreviations and quotes.
PIECES = st.sampled_from(
    [
        "Mr. Smith said.",
        " ",
        "  ",
        "\n",
        "\r\n",
        "\n\n",
        "\t",
        "\u2028",
        "\u00a0",
        "U.S.",
        "3.5%",
        "“Quoted,” she said.",
        "Ελληνικά.",
        "日本語の文。",
        "😀",
        "e\u0301",
        "?!",
        "...",
        "—",
        "word",
        "Dr.",
        "No. 5",
        "(aside)",
        "'single'",
        "a" * 40,
        "\x0c",
        "https://x.org/a.b?c=d.",
    ]
)

STORY = (
    "Smyrna's coach was nervous before the state final. "
    "Anna Richardson, however, was unphased. "
    "Share this. "
    "The team won in four sets."
)


# Odd sentences (scripts, emoji, combining marks, abbreviations, quotes) between odd breaks,
# so that most texts have several sentences to carry a quote into.
WORDS = st.lists(
    st.one_of(st.sampled_from(["word", "said", "Dover"]), PIECES), min_size=3, max_size=9
)
SENTENCE = st.tuples(WORDS, st.sampled_from([".", "!", "?", "。", ""])).map(
    lambda t: " ".join(t[0]) + t[1]
)
BREAK = st.sampled_from([" ", "  ", "\n", "\r\n", "\n\n", "\u2028", "\t", " \u00a0"])
TEXT = st.lists(st.tuples(SENTENCE, BREAK), min_size=1, max_size=12).map(
    lambda parts: "".join(a + b for a, b in parts)
)


def article(text: str) -> Article:
    return Article("a", "A", text, "a.txt", "txt")


def spans(text: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in chunk(text, 160, 0).sentences]


def cand(text: str, sentences: list[tuple[int, int]], idx: int, score: float) -> Candidate:
    start, end = sentences[idx]
    nxt = sentences[idx + 1] if idx + 1 < len(sentences) else None
    return Candidate("a", idx, start, end, text[start:end], score, nxt)
