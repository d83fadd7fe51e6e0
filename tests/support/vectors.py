"""Random unit vectors of the model's width, for the vector index tests."""

from __future__ import annotations

import numpy as np

from askbrief.config import EMBEDDING_DIM


def unit_vectors(n: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, EMBEDDING_DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)
