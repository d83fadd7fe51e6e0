"""The ONNX backend runs the same weights as PyTorch: same vectors, same late-chunked spans."""

from __future__ import annotations

import numpy as np
import pytest

from askbrief.embedding import Embedder, cache_dir
from askbrief.errors import AskbriefError

ODD = [
    "Who won?",
    "Zürich's café owners — naïvely — paid €1,200 for the 🎉 party.",
    "東京で地震があった。 The quake struck at 3 a.m.",
    "A" * 50 + " " + "word " * 400,  # past the 256-token limit: truncated the same way
    "",
]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return Embedder(backend="torch")


def test_onnx_matches_torch_and_sentence_transformers(embedder, torch_embedder) -> None:
    from sentence_transformers import SentenceTransformer

    from askbrief.embedding import model_path

    assert embedder.backend == "onnx"
    onnx, torch = embedder.embed(ODD), torch_embedder.embed(ODD)
    reference = SentenceTransformer(str(model_path()), device="cpu").encode(
        ODD, normalize_embeddings=True
    )
    assert onnx.shape == (len(ODD), 384) and onnx.dtype == np.float32
    assert np.all((onnx * torch).sum(1) > 0.9999)
    assert np.all((onnx * reference).sum(1) > 0.9999)


def test_span_vectors_match_across_backends(embedder, torch_embedder) -> None:
    text = ODD[1] + " " + ODD[2] + " " + ODD[3]
    first = (0, len(ODD[1]))
    second = (len(ODD[1]) + 1, len(ODD[1]) + 1 + len(ODD[2]))
    last = (len(text) - 10, len(text))  # beyond the truncation: no tokens, no vector
    spans = [[first, second, last]]
    pa, sa = embedder.embed_passages([text], spans)
    pb, sb = torch_embedder.embed_passages([text], spans)
    assert float(pa[0] @ pb[0]) > 0.9999
    assert sa[0][2] is None and sb[0][2] is None
    for a, b in zip(sa[0][:2], sb[0][:2], strict=True):
        assert a is not None and b is not None and float(a @ b) > 0.9999
    # the passage vector is the plain embedding of the same text
    assert float(pa[0] @ embedder.embed([text])[0]) > 0.9999


def test_damaged_onnx_cache_is_rebuilt(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ASKBRIEF_CACHE", str(tmp_path))
    first = Embedder()
    vec = first.embed(["rebuilt cache"])
    (model,) = cache_dir().rglob("model.onnx")
    model.write_bytes(b"not a model")
    again = Embedder().embed(["rebuilt cache"])
    assert float(vec[0] @ again[0]) > 0.9999
    assert model.stat().st_size > 10_000_000


def test_unknown_backend_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("ASKBRIEF_BACKEND", "tensorflow")
    with pytest.raises(AskbriefError, match="backend 'tensorflow' is unknown"):
        Embedder()


def test_int8_backend_stays_close_to_float32(embedder) -> None:
    """The opt-in int8 backend: within 0.99 mean cosine of the float32 model (README)."""
    int8 = Embedder(backend="onnx-int8")
    texts = [t for t in ODD if t] + [
        "The central bank raised interest rates by half a point on Thursday, its third "
        "increase this year, citing inflation that has stayed above target since spring."
    ]
    cos = (int8.embed(texts) * embedder.embed(texts)).sum(1)
    assert cos.mean() >= 0.99 and cos.min() > 0.97
