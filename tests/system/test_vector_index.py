"""Exact search while small, IVF + float16 when big: the same ids, vectors and answers.

Here, what needs a server, a child process or a slow build; the rest:
tests/unit/test_vector_index.py."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
from support.vectors import unit_vectors

import askbrief
from askbrief.store.build import build_index
from askbrief.store.faiss import vectors as store


def test_outgrown_ivf_is_retrained_with_more_lists(monkeypatch) -> None:
    monkeypatch.setattr(store, "IVF_MIN_VECTORS", 1_000)
    index = store.new_vector_index()
    index.add_with_ids(unit_vectors(1_000, 2), np.arange(1_000, dtype=np.int64))
    ivf = store.fit_vector_index(index)
    ivf.add_with_ids(unit_vectors(20_000, 3), np.arange(1_000, 21_000, dtype=np.int64))
    again = store.fit_vector_index(ivf)
    assert again.nlist == store.ivf_lists(21_000) > ivf.nlist
    assert again.ntotal == 21_000


def test_ivf_index_on_disk_answers_like_the_flat_one(
    articles_dir: Path, tmp_path: Path, embedder, monkeypatch
) -> None:
    """A real build whose sentence index crosses the size limit, then an incremental update."""
    flat_settings = askbrief.Settings.load(articles_dir=articles_dir, index_dir=tmp_path / "flat")
    build_index(flat_settings, embedder)
    monkeypatch.setattr(store, "IVF_MIN_VECTORS", 20)
    ivf_settings = askbrief.Settings.load(articles_dir=articles_dir, index_dir=tmp_path / "ivf")
    build_index(ivf_settings, embedder)
    opened = askbrief.open_index(ivf_settings.location.path, embedder=embedder)
    assert isinstance(opened.store.sentence_vecs, faiss.IndexIVF)
    # with nprobe >= lists every list is read: the same answer as exact search
    opened.store.sentence_vecs.nprobe = opened.store.sentence_vecs.nlist
    exact = askbrief.open_index(flat_settings.location.path, embedder=embedder)
    for question in ("What did Lavrov call a ceasefire?", "Who won the chess tournament?"):
        a, b = opened.ask(question), exact.ask(question)
        assert [(q.start, q.end) for q in a.quotes] == [(q.start, q.end) for q in b.quotes]
        for q in a.quotes:
            assert opened.article(q.article_id).text[q.start : q.end] == q.text

    (articles_dir / "late.txt").write_text(
        "Harbour pilots voted to strike on Friday over night shifts.", encoding="utf-8"
    )
    report = build_index(ivf_settings, embedder)
    assert report.added == 1 and report.passages_embedded == 1
    answer = askbrief.open_index(ivf_settings.location.path, embedder=embedder).ask(
        "Why did harbour pilots vote to strike?"
    )
    assert answer.answered and "night shifts" in answer.quotes[0].text
