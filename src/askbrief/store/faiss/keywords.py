"""The BM25 keyword index that bm25s writes at build time, read back as the plain files it is.

bm25s builds and saves the index (write.py); questions only need its precomputed
scores: three CSC arrays, the vocabulary and the parameters. Reading those directly saves a
cold `askbrief query` the import of bm25s, which pulls in scipy and tqdm (0.3 s of a 0.9 s
question). Scoring is bm25s's own sum over each query token's postings, in the same order
and dtype, so the scores are bit-identical (tests/system/test_keywords.py compares them
with `bm25s.BM25.load(...).get_scores`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# bm25s methods whose scores need a per-token "non-occurrence" term added; askbrief builds
# with the default ("lucene"), which needs none.
_NEEDS_NONOCCURRENCE = ("bm25l", "bm25+")


@dataclass(frozen=True)
class KeywordIndex:
    vocab_dict: dict[str, int]
    scores: dict[str, Any]  # "data", "indices", "indptr" (CSC over tokens) and "num_docs"
    dtype: str

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        """Read a folder written by `bm25s.BM25.save`; ValueError/OSError if it is not one."""
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        if params.get("method") in _NEEDS_NONOCCURRENCE:
            raise ValueError(f"BM25 method {params['method']!r} is not supported")
        vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        arrays = {
            name: np.load(folder / f"{name}.csc.index.npy", allow_pickle=False)
            for name in ("data", "indices", "indptr")
        }
        return cls(vocab, {**arrays, "num_docs": int(params["num_docs"])}, params["dtype"])

    def get_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every document for these tokens (unknown tokens ignored)."""
        data, indices, indptr = self.scores["data"], self.scores["indices"], self.scores["indptr"]
        scores = np.zeros(self.scores["num_docs"], dtype=np.dtype(self.dtype))
        for token in tokens:
            t = self.vocab_dict.get(token)
            if t is None or t + 1 >= len(indptr):
                continue
            start, end = indptr[t], indptr[t + 1]
            np.add.at(scores, indices[start:end], data[start:end])
        return scores
