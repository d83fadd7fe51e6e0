"""Property: every sentence and passage span indexes the article text exactly, for every format."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.sentences import PIECES

from askbrief.ingest.articles import read_folder
from askbrief.ingest.chunking import chunk, count_tokens

TEXT = st.lists(st.one_of(PIECES, st.text(min_size=1, max_size=12)), min_size=1, max_size=60).map(
    "".join
)


def check_spans(text: str, max_tokens: int, overlap: int) -> None:
    result = chunk(text, max_tokens, overlap)
    previous_end = 0
    for s in result.sentences:
        piece = text[s.start : s.end]
        assert piece and piece == piece.strip()
        assert s.start >= previous_end
        previous_end = s.end
    for first, last, span in result.passages:
        assert span.start == result.sentences[first].start
        assert span.end == result.sentences[last].end
        if last > first:
            pieces = [text[s.start : s.end] for s in result.sentences[first : last + 1]]
            assert sum(count_tokens(pieces)) <= max_tokens
    covered = {i for first, last, _ in result.passages for i in range(first, last + 1)}
    assert covered == set(range(len(result.sentences)))


@settings(max_examples=150, deadline=None)
@given(TEXT, st.integers(8, 200), st.integers(0, 3))
def test_chunk_spans_are_exact(text: str, max_tokens: int, overlap: int) -> None:
    check_spans(text, max_tokens, overlap)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT.filter(lambda t: t.strip() != ""), st.sampled_from(["txt", "md", "jsonl", "html"]))
def test_spans_exact_for_every_format(body: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if fmt == "jsonl":
            (folder / "a.jsonl").write_text(json.dumps({"id": "a", "text": body}) + "\n")
        elif fmt == "html":
            para = body.replace("&", "&amp;").replace("<", "&lt;")
            html = f"<html><body><article><h1>T</h1><p>{para}</p></article></body></html>"
            (folder / "a.html").write_text(html, encoding="utf-8")
        else:
            (folder / f"a.{fmt}").write_bytes(body.encode("utf-8"))
        result = read_folder(folder)
        for article in result.articles:
            if fmt in ("txt", "md"):
                assert article.text == body.encode("utf-8").decode("utf-8-sig")
            if fmt == "jsonl":
                assert article.text == body
            check_spans(article.text, 64, 1)
