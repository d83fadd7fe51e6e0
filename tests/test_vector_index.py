"""Exact search while small, IVF + float16 when big: the same ids, vectors and answers."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

import askbrief
from askbrief.config import EMBEDDING_DIM
from askbrief.store.build import build_index
from askbrief.store.faiss import vectors as store


def _unit(n: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, EMBEDDING_DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_switches_kind_by_size_and_keeps_every_vector(monkeypatch) -> None:
    monkeypatch.setattr(store, "IVF_MIN_VECTORS", 3_000)
    vectors = _unit(5_000, 1)
    ids = np.arange(10, 5_010, dtype=np.int64) * 7  # sparse ids, as after removals
    flat = store.new_vector_index()
    flat.add_with_ids(vectors[:2_000], ids[:2_000])
    assert store.fit_vector_index(flat) is flat  # small: stays exact

    flat.add_with_ids(vectors[2_000:], ids[2_000:])
    ivf = store.fit_vector_index(flat)
    assert isinstance(ivf, faiss.IndexIVF) and ivf.ntotal == 5_000
    assert store.describe_vector_index(ivf) == f"IVF{store.ivf_lists(5_000)},SQfp16 nprobe=128"
    # float16 codes: each vector comes back within rounding, under its own id
    back = ivf.reconstruct_batch(ids[[0, 1234, 4999]])
    assert np.abs(back - vectors[[0, 1234, 4999]]).max() < 1e-3
    # each vector finds itself first
    _, found = ivf.search(vectors[:200], 1)
    assert (found[:, 0] == ids[:200]).mean() >= 0.95

    # incremental builds remove and add on the IVF index as they do on the flat one
    ivf.remove_ids(ids[:2_500])
    assert store.fit_vector_index(ivf).ntotal == 2_500
    small = store.fit_vector_index(ivf)  # below the size again: back to exact search
    assert not isinstance(small, faiss.IndexIVF)
    assert np.abs(small.reconstruct(int(ids[4000])) - vectors[4000]).max() < 1e-3


def test_outgrown_ivf_is_retrained_with_more_lists(monkeypatch) -> None:
    monkeypatch.setattr(store, "IVF_MIN_VECTORS", 1_000)
    index = store.new_vector_index()
    index.add_with_ids(_unit(1_000, 2), np.arange(1_000, dtype=np.int64))
    ivf = store.fit_vector_index(index)
    ivf.add_with_ids(_unit(20_000, 3), np.arange(1_000, 21_000, dtype=np.int64))
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


@pytest.mark.parametrize("n", [10_000, 1_000_000, 10_000_000])
def test_list_count_rule(n: int) -> None:
    assert 64 <= store.ivf_lists(n) <= store.IVF_MAX_LISTS
    assert store.ivf_lists(30) >= 1
