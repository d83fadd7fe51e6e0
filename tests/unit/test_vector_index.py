"""Exact search while small, IVF + float16 when big: the same ids, vectors and answers.

Here, what needs no model and no index; the rest: tests/system/test_vector_index.py."""

from __future__ import annotations

import faiss
import numpy as np
import pytest
from support.vectors import unit_vectors

from askbrief.store.faiss import vectors as store


def test_switches_kind_by_size_and_keeps_every_vector(monkeypatch) -> None:
    monkeypatch.setattr(store, "IVF_MIN_VECTORS", 3_000)
    vectors = unit_vectors(5_000, 1)
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


@pytest.mark.parametrize("n", [10_000, 1_000_000, 10_000_000])
def test_list_count_rule(n: int) -> None:
    assert 64 <= store.ivf_lists(n) <= store.IVF_MAX_LISTS
    assert store.ivf_lists(30) >= 1
