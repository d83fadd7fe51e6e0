"""The FAISS store's BM25 index: updates tokenise only new or changed articles, and give the
same keyword search as a build from scratch.

Here, what needs no model and no index; the rest: tests/system/test_keywords.py."""

from __future__ import annotations


def test_stop_words_are_bm25s_english_list() -> None:
    from bm25s.stopwords import STOPWORDS_EN

    from askbrief.text import STOPWORDS_EN as ours

    assert ours == frozenset(STOPWORDS_EN)
