"""The FAISS vector indexes a build writes: exact search while small, an inverted file with
float16 codes once big (which kind fits which size: `fit_vector_index`). The reader
(read.py) opens whichever kind it finds; only the writer (write.py) chooses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from askbrief.config import EMBEDDING_DIM
from askbrief.store.faiss.read import NPROBE

if TYPE_CHECKING:  # imported where used: importing this module should not load faiss
    import faiss

# Exact search up to this many vectors (at 250k, one flat search takes ~15 ms on one core);
# beyond, an inverted-file index with float16 codes: half the memory, and a search reads
# only NPROBE of its lists. Chosen by benchmarks/speed.py (docs/performance.md).
IVF_MIN_VECTORS = 250_000
IVF_MAX_LISTS = 4096
IVF_TRAIN_PER_LIST = 40  # k-means sample per list: enough for stable centroids, fast on 2 cores


def new_vector_index() -> faiss.IndexIDMap2:
    """An empty FAISS index for passage or sentence vectors: exact inner-product search,
    with our own int64 ids so rows can be removed when an article changes."""
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(EMBEDDING_DIM))


def ivf_lists(n: int) -> int:
    """Lists for n vectors: ~4 sqrt(n), the usual rule, capped so training stays quick (and
    never more than k-means can train from the vectors there are)."""
    return int(max(1, min(IVF_MAX_LISTS, 4 * round(n**0.5), n // 8)))


def fit_vector_index(index: faiss.Index) -> faiss.Index:
    """The index to write after a build's adds and removes: the same one while its kind
    still fits its size, else the same vectors and ids in the kind that does (flat below
    IVF_MIN_VECTORS, IVF+float16 above; IVF re-trained when it has outgrown its lists)."""
    import faiss

    n = index.ntotal
    if n < IVF_MIN_VECTORS:
        if not isinstance(index, faiss.IndexIVF):
            return index
        ids, vectors = all_vectors(index)
        flat = new_vector_index()
        flat.add_with_ids(vectors, ids)
        return flat
    if isinstance(index, faiss.IndexIVF) and index.nlist * 2 > ivf_lists(n):
        return index
    ids, vectors = all_vectors(index)
    rng = np.random.default_rng(0)
    sample = rng.choice(n, size=min(n, ivf_lists(n) * IVF_TRAIN_PER_LIST), replace=False)
    ivf = new_ivf_index(vectors[np.sort(sample)], n)
    for lo in range(0, n, 100_000):
        ivf.add_with_ids(vectors[lo : lo + 100_000], ids[lo : lo + 100_000])
    return ivf


def new_ivf_index(sample: np.ndarray, n: int) -> faiss.IndexIVF:
    """An empty IVF + float16 index for about n vectors, its lists trained on `sample`."""
    import faiss

    ivf = faiss.index_factory(
        EMBEDDING_DIM, f"IVF{ivf_lists(n)},SQfp16", faiss.METRIC_INNER_PRODUCT
    )
    assert isinstance(ivf, faiss.IndexIVF)  # an "IVF..." factory string makes one
    ivf.train(np.ascontiguousarray(sample, dtype=np.float32))
    # a hash table from id to list position: reconstruct() by id, and remove_ids() later
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]  # faiss's stubs omit DirectMap
    ivf.nprobe = NPROBE
    return ivf


def all_vectors(index: faiss.Index) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of a flat IndexIDMap2 or an IVF index with a direct map."""
    import faiss

    if isinstance(index, faiss.IndexIVF):
        inv = index.invlists
        assert inv is not None  # an IVF index always has its lists
        parts = [
            faiss.rev_swig_ptr(inv.get_ids(i), inv.list_size(i)).copy()
            for i in range(index.nlist)
            if inv.list_size(i)
        ]
        ids = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        vectors = (
            np.vstack(
                [
                    index.reconstruct_batch(ids[lo : lo + 100_000])
                    for lo in range(0, len(ids), 100_000)
                ]
            )
            if len(ids)
            else np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        )
        return ids.astype(np.int64), np.ascontiguousarray(vectors, dtype=np.float32)
    assert isinstance(index, faiss.IndexIDMap)  # new_vector_index's IndexIDMap2
    ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    vectors = index.index.reconstruct_n(0, index.ntotal)
    return ids, np.ascontiguousarray(vectors, dtype=np.float32)


def describe_vector_index(index: faiss.Index) -> str:
    """ "flat" or "IVF4096,SQfp16 nprobe=128": which kind of vector index a store searches, for
    the benchmarks' tables (benchmarks/speed_ask.py, benchmarks/stores.py); the package itself
    neither records it in the manifest nor shows it in `askbrief stats`."""
    import faiss

    if isinstance(index, faiss.IndexIVF):
        return f"IVF{index.nlist},SQfp16 nprobe={index.nprobe}"
    return "flat"
