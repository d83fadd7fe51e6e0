"""A link to the original page that selects a quote: the article's URL with a Text Fragment
(`#:~:text=[prefix-,]textStart[,textEnd][,-suffix]`, https://wicg.github.io/scroll-to-text-fragment/),
which Chromium-based browsers and Safari scroll to and highlight.

A browser finds the *first* place in the page where the directive matches, so the directive
is checked here against the article's text the way the spec's "find a range from a text
directive" does, and made more specific (a longer textEnd, a few words of context before or
after, a longer textStart) until that first place is the cited one. The browser matches the page's rendered text:
whitespace collapsed, case and accents ignored, each term within one block (a paragraph),
terms starting and ending at word boundaries. The article's text stands in for the page:
each line of it is taken as a block, so no term crosses a line break.

Pure: no I/O. Callers use `source_link(url, text, start, end)`; `text_directive` is the
directive alone."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from urllib.parse import quote as _percent_quote
from urllib.parse import urlsplit

MAX_EXACT_WORDS = 10  # a quote of more words is linked as textStart,textEnd
EDGE_WORDS = 4  # words in textStart, and the fewest in textEnd
MAX_TERM_WORDS = 24  # textEnd (or textStart) grows to at most this many words
CONTEXT_WORDS = 3  # a prefix or suffix has at least this many words (when there are so many)
MAX_CONTEXT_WORDS = 10
MAX_WORD = 64  # a span is widened to whole words by at most this many characters each way
MAX_TERM_PAIRS = 40  # pairs with a longer textStart tried with each context, fewest words first

# What a text directive term may hold unencoded: the spec's TextDirectiveExplicitChar
# ([a-zA-Z0-9] and !$'()*+./:;=?@_~) less ( and ), which end a Markdown link early. "-", ","
# and "&" are syntax, and everything else is outside the fragment's safe set: both encoded.
_SAFE = "!$'*+./:;=?@_~"

Terms = tuple[str, str | None]  # textStart, textEnd


def source_link(url: str | None, text: str, start: int, end: int) -> str | None:
    """`url` with a Text Fragment selecting `text[start:end]`, or None when there is no
    http(s) URL to link to. The URL's own fragment is dropped (the directive replaces it).
    A span with nothing but white space gets the bare URL: there is nothing to select."""
    page = _page_url(url)
    if page is None:
        return None
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span [{start}, {end}) is not within a text of {len(text)} characters")
    directive = text_directive(text, start, end)
    return page if directive is None else f"{page}#:~:text={directive}"


def text_directive(text: str, start: int, end: int) -> str | None:
    """The percent-encoded directive (what follows `text=`) whose first match in `text` is
    the quote `text[start:end]`, widened to whole words; None for a blank span.

    If no directive tried selects this occurrence (the same words with the same words
    around them come earlier), the plainest one is returned: it selects those same words."""
    if not text[start:end].strip():
        return None
    start, end = _whole_words(text, start, end)
    page = _Page(text)
    qs = _offset(text, start)
    qe = qs + len(_collapse(text[start:end]))
    short, longer = _terms(page.rendered[qs:qe])
    contexts = _contexts(page.rendered, qs, qe)
    # context before a longer textStart: textStart stays the quote's first few words, and the
    # words before them say which occurrence is meant
    for terms in (short, longer[:MAX_TERM_PAIRS]):
        for prefix, suffix in contexts:
            for start_term, end_term in terms:
                if page.select(prefix, start_term, end_term, suffix) == (qs, qe):
                    return _encode(prefix, start_term, end_term, suffix)
    return _encode(None, *short[0], None)


def _page_url(url: str | None) -> str | None:
    """The URL without its fragment when it is an http(s) URL with a host, else None: a
    Text Fragment means nothing to a file path or a mailto: link."""
    if not url or not url.strip():
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.split("#", 1)[0]


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to whole words and stripped of white space at its ends: the browser
    matches textStart and textEnd only at word boundaries, so half a word would never match."""
    floor, ceiling = max(0, start - MAX_WORD), min(len(text), end + MAX_WORD)
    while floor < start < len(text) and _wordish(text[start - 1]) and _wordish(text[start]):
        start -= 1
    while 0 < end < ceiling and _wordish(text[end - 1]) and _wordish(text[end]):
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _collapse(text: str) -> str:
    """White space as the page renders it: lines (str.splitlines' breaks) are blocks, blank
    ones dropped, joined by "\\n"; within a line, words are joined by single spaces."""
    return "\n".join(" ".join(words) for line in text.splitlines() if (words := line.split()))


def _offset(text: str, start: int) -> int:
    """Where text[start] (not white space) is in _collapse(text): the collapsed text before
    it, then the one space or line break that the white space just before it becomes."""
    before = text[:start]
    kept = _collapse(before)
    gap = before[len(before.rstrip()) :]
    if not kept or not gap:
        return len(kept)
    return len(kept) + 1  # "\n" if gap holds a line break, else " ": one character either way


def _contexts(rendered: str, qs: int, qe: int) -> list[tuple[str | None, str | None]]:
    """(prefix, suffix) pairs to try, plainest first: none; a prefix of 3 to 10 words; a
    suffix; both. Context comes from the nearest line before and after the quote."""
    before = rendered[:qs].rstrip(" \n").rsplit("\n", 1)[-1]
    after = rendered[qe:].lstrip(" \n").split("\n", 1)[0]
    prefixes = _context_terms(_words(before), from_end=True)
    suffixes = _context_terms(_words(after), from_end=False)
    pairs: list[tuple[str | None, str | None]] = [(None, None)]
    pairs += [(p, None) for p in prefixes]
    pairs += [(None, s) for s in suffixes]
    for i in range(max(len(prefixes), len(suffixes)) if prefixes and suffixes else 0):
        pairs.append((prefixes[min(i, len(prefixes) - 1)], suffixes[min(i, len(suffixes) - 1)]))
    return pairs


def _context_terms(words: list[str], from_end: bool) -> list[str]:
    counts = sorted({min(n, len(words)) for n in range(CONTEXT_WORDS, MAX_CONTEXT_WORDS + 1)})
    if not words:
        return []
    return [" ".join(words[-n:] if from_end else words[:n]) for n in counts]


def _terms(quoted: str) -> tuple[list[Terms], list[Terms]]:
    """(textStart, textEnd) pairs to try, fewest words first: those with the first few words
    as textStart, then those with more. A short quote on one line is its own textStart. A
    long one (or one across lines: no term may cross a block) is its first words and its last
    words. The browser takes the first textEnd after textStart, so when the last words also
    come earlier in the quote, textEnd grows, and failing that textStart, which moves where
    that search begins."""
    lines = quoted.split("\n")
    first, last = _words(lines[0]), _words(lines[-1])
    if len(lines) == 1 and len(first) <= MAX_EXACT_WORDS:
        return [(quoted, None)], []
    fewest_start, most_start = min(EDGE_WORDS, len(first)), min(len(first), MAX_TERM_WORDS)
    pairs = []
    for n_start in range(fewest_start, most_start + 1):
        # on one line, textEnd must begin after textStart ends
        room = len(last) - n_start if len(lines) == 1 else len(last)
        pairs += [(n_start, n) for n in range(min(EDGE_WORDS, room), min(room, MAX_TERM_WORDS) + 1)]
    pairs.sort(key=lambda p: (p[0] + p[1], p[0]))
    terms = [(" ".join(first[:s]), " ".join(last[-e:])) for s, e in pairs]
    return (
        [t for (s, _), t in zip(pairs, terms, strict=True) if s == fewest_start],
        [t for (s, _), t in zip(pairs, terms, strict=True) if s != fewest_start],
    )


def _words(line: str) -> list[str]:
    return [w for w in line.split(" ") if w]


def _encode(prefix: str | None, start: str, end: str | None, suffix: str | None) -> str:
    """The directive's text: `[prefix-,]start[,end][,-suffix]`, each term percent-encoded."""
    parts = [f"{_encode_term(prefix)}-"] if prefix else []
    parts.append(_encode_term(start))
    if end:
        parts.append(_encode_term(end))
    if suffix:
        parts.append(f"-{_encode_term(suffix)}")
    return ",".join(parts)


def _encode_term(term: str) -> str:
    # quote() never encodes "-", which the directive syntax uses: encode it by hand
    return _percent_quote(term, safe=_SAFE).replace("-", "%2D")


class _Page:
    """The article's text as a browser would search it: collapsed white space, lines as
    blocks, compared case- and accent-insensitively (a primary-level comparison)."""

    def __init__(self, text: str) -> None:
        self.rendered = _collapse(text)
        if self.rendered.isascii():  # the common case, and str.lower is quick
            self._table: dict[int, str] = {c: chr(c).lower() for c in range(65, 91)}
            self.folded = self.rendered.lower()
        else:
            self._table = {ord(c): f for c in set(self.rendered) if (f := _fold(c)) != c}
            self.folded = self.rendered.translate(self._table)

    def select(
        self, prefix: str | None, start: str, end: str | None, suffix: str | None
    ) -> tuple[int, int] | None:
        """Where a browser's match of the directive is: the spec's "find a range from a text
        directive" over the rendered text; None when it matches nowhere."""
        fold = self._fold_term
        p, s, e, x = fold(prefix), start.translate(self._table), fold(end), fold(suffix)
        text = self.folded
        at = 0
        while at <= len(text):
            ends_word = e is not None or x is None
            if p is not None:
                found = self._find(p, at, word_start=True, word_end=False)
                if found is None:
                    return None
                at = found + 1
                after = _skip_white(text, found + len(p))
                if after >= len(text):
                    return None
                begin = self._find(s, after, word_start=False, word_end=ends_word, here=True)
                if begin is None:
                    continue
            else:
                begin = self._find(s, at, word_start=True, word_end=ends_word)
                if begin is None:
                    return None
                at = begin + 1
            stop = begin + len(s)
            while True:
                if e is not None:
                    end_at = self._find(e, stop, word_start=True, word_end=x is None)
                    if end_at is None:
                        return None
                    stop = end_at + len(e)
                if x is None:
                    return begin, stop
                follows = _skip_white(text, stop)
                if self._find(x, follows, word_start=False, word_end=True, here=True) is not None:
                    return begin, stop
                if e is None:
                    break  # an exact match whose suffix differs: try the next textStart
        return None

    def _fold_term(self, term: str | None) -> str | None:
        return None if term is None else term.translate(self._table)

    def _find(
        self, term: str, at: int, word_start: bool, word_end: bool, here: bool = False
    ) -> int | None:
        """The first place from `at` (or only `at` itself, when `here`) where `term` is, at
        word boundaries as asked. A term holds no line break, so it lies within one block."""
        text = self.folded
        found = at if text.startswith(term, at) else -1
        if not here:
            found = text.find(term, at)
        while found != -1:
            if (not word_start or _boundary(text, found)) and (
                not word_end or _boundary(text, found + len(term))
            ):
                return found
            if here:
                return None
            found = text.find(term, found + 1)
        return None


def _skip_white(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \n":
        at += 1
    return at


def _boundary(text: str, at: int) -> bool:
    """A word boundary, roughly UAX #29's: not between two word characters. Scripts written
    without spaces count a boundary at every character, as they might have one there."""
    if at <= 0 or at >= len(text):
        return True
    return not (_wordish(text[at - 1]) and _wordish(text[at]))


@lru_cache(maxsize=4096)
def _wordish(c: str) -> bool:
    if not (c.isalnum() or c == "_" or unicodedata.combining(c)):
        return False
    return not _unspaced(c)


def _unspaced(c: str) -> bool:
    o = ord(c)
    return (
        0x0E00 <= o <= 0x0EFF  # Thai, Lao
        or 0x1000 <= o <= 0x109F  # Myanmar
        or 0x1780 <= o <= 0x17FF  # Khmer
        or 0x3040 <= o <= 0x30FF  # kana
        or 0x3400 <= o <= 0x9FFF  # CJK ideographs
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x3FFFF
    )


@lru_cache(maxsize=4096)
def _fold(c: str) -> str:
    """One character compared at the primary level: lower case, accents dropped. Kept to one
    character (else the character lower-cased, or as it is) so offsets stay those of the text."""
    base = "".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d))
    base = base.casefold()
    if len(base) == 1:
        return base
    lower = c.lower()
    return lower if len(lower) == 1 else c
