"""The ONNX backend runs the same weights as PyTorch: same vectors, same late-chunked spans.

Here, what needs a server, a child process or a slow build; the rest:
tests/unit/test_embedding.py."""

from __future__ import annotations

import numpy as np
import pytest
from support.common import ROOT

from askbrief.ingest.articles import read_folder
from askbrief.ingest.chunking import split_sentences
from askbrief.ingest.embedding import Embedder, cache_dir

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

    from askbrief.ingest.embedding import model_path

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


# Questions about tests/data's real articles, for the int8 retrieval test.
QUESTIONS = [
    "What did Lavrov call a ceasefire?",
    "What did Lavrov say about Trump's team?",
    "What does Russia want from the West?",
    "Who won the national chess championship?",
    "How many panels does the floating solar farm have?",
    "How much did the solar farm cost?",
    "Why did fishermen oppose the solar farm?",
    "Why did the rail drivers strike?",
    "What did the bakery chain recall?",
    "Who is Ashford's new police chief?",
    "Who retired as Ashford's police chief?",
    "Who was sworn in as Brennick's police chief?",
    "How long does the electric ferry crossing take?",
    "How many passengers can the ferry carry?",
    "When will the lantern festival take place?",
    "How many visitors came to the lantern festival?",
    "How many containers did Kestrel Bay handle?",
    "How many people work at the port?",
    "How much did the bridge repairs cost?",
    "When will the library stay open later?",
]


def _data_sentences() -> list[str]:
    """Every sentence of the articles in tests/data (seed, corpus, towns), as indexed."""
    out = []
    for folder in ("seed", "corpus", "towns"):
        for article in read_folder(ROOT / "tests" / "data" / folder).articles:
            for span in split_sentences(article.text, 160):
                out.append(article.text[span.start : span.end])
    return out


def test_int8_backend_finds_the_same_passages_as_float32(embedder) -> None:
    """The opt-in int8 backend must find what float32 finds; its vectors need not be equal.

    ONNX Runtime's integer kernels differ by processor: with VNNI (vpdpbusd) u8 x s8 products
    add up exactly in int32; without it (AVX2, AVX-512 without VNNI) pairs of products are
    first summed into int16 with saturation (vpmaddubsw). So the same model lands a little
    further from float32 on one machine than on another: a 0.99 mean-cosine bound on odd
    texts held here (VNNI, 0.990) and failed on an AVX2 machine (0.988). ONNX Runtime has no
    switch to turn VNNI off; running the int8 model in onnx's reference evaluator with that
    saturation gave 0.988 on those odd texts too, and on the sentences below 0.992 (0.993
    here with VNNI; per-tensor quantisation, rejected in docs/performance.md: 0.965).

    What retrieval needs, over the real sentences of tests/data and questions about them:
    each question's nearest sentence by int8 is in float32's top 3 and scores within 0.05 of
    float32's best (int8 may swap near-ties, never demote a clear winner); it is float32's
    nearest for at least 80% of questions (19/20 with VNNI, 20/20 emulated without); and the
    mean cosine to float32 stays above 0.97, which per-tensor quantisation fails.
    """
    int8 = Embedder(backend="onnx-int8")
    sentences = _data_sentences()
    assert len(sentences) > 50
    f32_s, i8_s = embedder.embed(sentences), int8.embed(sentences)
    f32_q, i8_q = embedder.embed(QUESTIONS), int8.embed(QUESTIONS)
    cos = np.concatenate([(f32_s * i8_s).sum(1), (f32_q * i8_q).sum(1)])
    assert cos.mean() > 0.97, cos.mean()
    f32_scores, i8_scores = f32_q @ f32_s.T, i8_q @ i8_s.T
    same = 0
    for q, question in enumerate(QUESTIONS):
        f32_order = np.argsort(-f32_scores[q], kind="stable")
        pick = int(np.argmax(i8_scores[q]))
        assert pick in f32_order[:3], question
        assert f32_scores[q, pick] >= f32_scores[q, f32_order[0]] - 0.05, question
        same += pick == f32_order[0]
    assert same >= 0.8 * len(QUESTIONS), same
