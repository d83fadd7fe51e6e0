"""The ONNX backend runs the same weights as PyTorch: same vectors, same late-chunked spans.

Here, what needs no model and no index; the rest: tests/system/test_embedding.py."""

from __future__ import annotations

import pytest

from askbrief.errors import AskbriefError
from askbrief.ingest.embedding import Embedder


def test_unknown_backend_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("ASKBRIEF_BACKEND", "tensorflow")
    with pytest.raises(AskbriefError, match="backend 'tensorflow' is unknown"):
        Embedder()
