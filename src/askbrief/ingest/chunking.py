"""Pure functions: article text -> sentence spans -> passages of whole sentences.

Every span is a pair of Python string indices into the article text, trimmed of surrounding
white space, so `text[start:end]` is exactly the quoted sentence or passage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from askbrief.config import TOKEN_ENCODING
from askbrief.records import Span

if TYPE_CHECKING:
    import tiktoken


@dataclass(frozen=True)
class Chunked:
    sentences: list[Span]
    # passages as (first_sentence_index, last_sentence_index) inclusive, plus their span
    passages: list[tuple[int, int, Span]]


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    import tiktoken

    return tiktoken.get_encoding(TOKEN_ENCODING)


def count_tokens(texts: Sequence[str]) -> list[int]:
    # A plain loop: encode_ordinary_batch spawns a thread-pool task per text, 5x slower here.
    encode = _encoding().encode_ordinary
    return [len(encode(t)) for t in texts]


def split_sentences(text: str, max_tokens: int) -> list[Span]:
    """Sentence spans (sentencex), with sentences longer than max_tokens cut into pieces."""
    return _split_counted(text, max_tokens)[0]


def _split_counted(text: str, max_tokens: int) -> tuple[list[Span], list[int]]:
    """Sentence spans and their token counts, counted once."""
    from sentencex import get_sentence_boundaries

    spans: list[Span] = []
    for block_start, block_end in _lines(text):
        block = text[block_start:block_end]
        for b in get_sentence_boundaries("en", block):
            span = _trim(text, block_start + b["start_index"], block_start + b["end_index"])
            if span is not None:
                spans.append(span)
    counts = count_tokens([text[s.start : s.end] for s in spans])
    out: list[Span] = []
    out_counts: list[int] = []
    for span, n in zip(spans, counts, strict=True):
        if n > max_tokens:
            pieces = _cut(text, span, max_tokens)
            out.extend(pieces)
            out_counts.extend(count_tokens([text[p.start : p.end] for p in pieces]))
        else:
            out.append(span)
            out_counts.append(n)
    return out, out_counts


def chunk(text: str, max_tokens: int, overlap: int) -> Chunked:
    sentences, counts = _split_counted(text, max_tokens)
    return Chunked(sentences, pack(sentences, counts, max_tokens, overlap))


def pack(
    sentences: Sequence[Span], counts: Sequence[int], max_tokens: int, overlap: int
) -> list[tuple[int, int, Span]]:
    """Greedy packing of consecutive sentences; the next passage repeats `overlap` sentences."""
    passages: list[tuple[int, int, Span]] = []
    i, n = 0, len(sentences)
    while i < n:
        j, total = i, counts[i]
        while j + 1 < n and total + counts[j + 1] <= max_tokens:
            j += 1
            total += counts[j]
        passages.append((i, j, Span(sentences[i].start, sentences[j].end)))
        if j + 1 >= n:
            break
        i = max(i + 1, j + 1 - overlap)
    return passages


_LINE = re.compile(r"[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


def _lines(text: str) -> list[tuple[int, int]]:
    """Split on line breaks first: news text uses them for headlines, bylines and paragraphs,
    which a sentence splitter would otherwise glue onto the next sentence."""
    return [m.span() for m in _LINE.finditer(text)]


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def _cut(text: str, span: Span, max_tokens: int) -> list[Span]:
    """Cut an over-long sentence at token windows, moved back to the nearest white space."""
    enc = _encoding()
    piece = text[span.start : span.end]
    _, offsets = enc.decode_with_offsets(enc.encode_ordinary(piece))
    cuts = [0]
    for k in range(max_tokens, len(offsets), max_tokens):
        cut = offsets[k]
        space = piece.rfind(" ", cuts[-1] + 1, cut + 1)
        cuts.append(space if space > cuts[-1] + len(piece) // 50 else cut)
    cuts.append(len(piece))
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        trimmed = _trim(text, span.start + a, span.start + b)
        if trimmed is not None:
            out.append(trimmed)
    return out
