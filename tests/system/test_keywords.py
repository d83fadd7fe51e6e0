"""The FAISS store's BM25 index: updates tokenise only new or changed articles, and give the
same keyword search as a build from scratch.

Here, what needs a server, a child process or a slow build; the rest:
tests/unit/test_keywords.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from askbrief import Settings, build_index
from askbrief.store.faiss import write as faiss_build
from askbrief.store.faiss.read import FaissStore
from askbrief.text import terms

QUERIES = ["solar panels harbor", "volcano evacuated village", "chess tournament champion"]


@pytest.fixture
def tokenised(monkeypatch) -> list[str]:
    """Every sentence the build hands to the keyword tokeniser."""
    seen: list[str] = []
    real = faiss_build.keyword_tokens

    def counting(texts: list[str]) -> list[list[str]]:
        seen.extend(texts)
        return real(texts)

    monkeypatch.setattr(faiss_build, "keyword_tokens", counting)
    return seen


def _keyword_hits(store: FaissStore, query: str) -> list[tuple[str, int, float]]:
    """Every matching sentence as (article, sentence index, score), sorted: ties in score
    come in index order, which differs between an updated index and a fresh one."""
    sids, scores = store.search_keywords(terms(query), 1000)
    rows = store.sentence_rows([int(s) for s in sids])
    found = [
        (rows[int(s)].article_id, rows[int(s)].idx, round(float(v), 4))
        for s, v in zip(sids, scores, strict=True)
    ]
    return sorted(found)


def test_update_tokenises_only_new_and_changed_articles(
    articles_dir: Path, tmp_path: Path, embedder, tokenised: list[str]
) -> None:
    settings = Settings.load(articles_dir=articles_dir, index_dir=tmp_path / "index")
    build_index(settings, embedder)
    assert tokenised  # the first build tokenises everything
    tokenised.clear()

    build_index(settings, embedder)
    assert tokenised == []  # nothing changed: nothing tokenised

    # The last-added article changes: its new sentences may reuse the sids of its old ones.
    harbor = articles_dir / "corpus" / "harbor.md"
    harbor.write_text(harbor.read_text().replace("12,400 panels", "15,900 turquoise panels"))
    (articles_dir / "volcano.txt").write_text(
        "Volcano erupts near fishing village\n"
        "The Kalua volcano erupted on Monday night, sending ash four kilometres into the sky.\n"
        "About 600 residents of the nearby fishing village were evacuated by boat.\n"
    )
    build_index(settings, embedder)
    texts = [harbor.read_text(), (articles_dir / "volcano.txt").read_text()]
    assert tokenised and all(any(t in text for text in texts) for t in tokenised)

    store = FaissStore(settings.location)
    hits = _keyword_hits(store, "turquoise")
    assert hits and store.article(hits[0][0]).source_path.endswith("harbor.md")

    # The same keyword search as a build from scratch of the same articles.
    fresh = Settings.load(articles_dir=articles_dir, index_dir=tmp_path / "fresh")
    build_index(fresh, embedder)
    scratch = FaissStore(fresh.location)
    for query in [*QUERIES, "turquoise panels"]:
        assert _keyword_hits(store, query) == _keyword_hits(scratch, query)


def test_generation_without_stored_tokens_still_updates(
    articles_dir: Path, tmp_path: Path, embedder, tokenised: list[str]
) -> None:
    """A generation written before tokens were stored: the update tokenises everything."""
    settings = Settings.load(articles_dir=articles_dir, index_dir=tmp_path / "index")
    build_index(settings, embedder)
    store = FaissStore(settings.location)
    (store.generation / "bm25_tokens.npz").unlink()
    manifest = json.loads((store.generation / "manifest.json").read_text())
    del manifest["files"]["bm25_tokens.npz"]
    (store.generation / "manifest.json").write_text(json.dumps(manifest))
    tokenised.clear()
    (articles_dir / "note.txt").write_text("A short note about harbor solar panels.\n")
    build_index(settings, embedder)
    assert len(tokenised) > 5  # everything tokenised again
    again = FaissStore(settings.location)
    assert (again.generation / "bm25_tokens.npz").is_file()
    fresh = Settings.load(articles_dir=articles_dir, index_dir=tmp_path / "fresh")
    build_index(fresh, embedder)
    for query in QUERIES:
        assert _keyword_hits(again, query) == _keyword_hits(FaissStore(fresh.location), query)


def test_top_k_is_the_best_k_in_score_then_document_order(
    articles_dir: Path, tmp_path: Path, embedder
) -> None:
    """Whatever k, the keyword hits are the k best of all BM25 scores, equal scores in
    document (article, sentence) order, and nothing that shares no term."""
    settings = Settings.load(articles_dir=articles_dir, index_dir=tmp_path / "index")
    build_index(settings, embedder)
    store = FaissStore(settings.location)
    for query in ["solar panels harbor", "chess tournament champion", "ceasefire Ukraine Russia"]:
        known = [t for t in terms(query) if t in store.keywords.vocab_dict]
        scores = store.keywords.get_scores(known)
        order = sorted(np.flatnonzero(scores), key=lambda i: (-scores[i], i))
        assert len(order) > 3  # the query matches more sentences than the smallest k
        for k in (1, 2, 3, len(order) - 1, len(order), len(order) + 5):
            sids, got = store.search_keywords(terms(query), k)
            assert list(sids) == [int(store.keyword_ids[i]) for i in order[:k]]
            assert np.allclose(got, scores[order[:k]])


def test_keyword_index_scores_as_bm25s_does(articles_dir: Path, tmp_path: Path, embedder) -> None:
    """Questions read bm25s's saved files without importing bm25s: the scores must be
    bm25s's own, bit for bit, for known, unknown and repeated tokens."""
    import bm25s

    settings = Settings.load(articles_dir=articles_dir, index_dir=tmp_path / "index")
    build_index(settings, embedder)
    store = FaissStore(settings.location)
    reference = bm25s.BM25.load(str(store.generation / "bm25"))
    assert store.keywords.vocab_dict == reference.vocab_dict
    for query in ["solar panels harbor", "ceasefire Ukraine Russia Russia", "zzzunknown solar"]:
        tokens = terms(query)
        known = [t for t in tokens if t in reference.vocab_dict]
        assert known
        want = reference.get_scores(known)
        got = store.keywords.get_scores(tokens)
        assert got.dtype == want.dtype and np.array_equal(got, want)
