"""The synthetic training questions of benchmarks/synthetic.py, made from a real index."""

from __future__ import annotations

import sys

import pytest
from support.common import ROOT, CountingEmbedder
from support.evaluation import write_dataset

from askbrief import Settings
from askbrief.ask.index import Index
from askbrief.eval.evaluate import evaluate
from askbrief.text import normalize

sys.path.insert(0, str(ROOT / "benchmarks"))
import synthetic  # noqa: E402

WH_PHRASES = tuple(p for phrases in synthetic.WH.values() for p in phrases)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("synthetic")
    write_dataset(root / "tiny")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        evaluate("tiny", embedder=embedder, limit=1, diagnostics=False)
    return Index(
        Settings.load(index_dir=root / ".cache" / "eval" / "tiny" / "index"), embedder
    ).store


def bodies(store) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {a: normalize(store.article(a).text) for a in store.article_ids()}


def test_headline_questions_ask_for_a_name_the_article_gives(store) -> None:  # type: ignore[no-untyped-def]
    made = synthetic.headline_questions(store)
    assert made, "the test titles name places and people"
    texts = bodies(store)
    titles = {store.article(a).title for a in store.article_ids()}
    for q in made:
        assert q["question"].startswith(WH_PHRASES) and q["question"].endswith("?")
        assert any(normalize(q["answer"]) in body for body in texts.values())
        assert any(q["answer"] in title for title in titles)
    assert synthetic.headline_questions(store) == made  # deterministic


def test_cloze_questions_hide_a_name_from_a_lead_sentence(store) -> None:  # type: ignore[no-untyped-def]
    made = synthetic.cloze_questions(store, n=15)
    assert len(made) == 15
    texts = bodies(store)
    for q in made:
        assert q["question"].startswith(WH_PHRASES) and q["question"].endswith("?")
        assert q["answer"].lower() not in q["question"].lower()
        assert any(normalize(q["answer"]) in body for body in texts.values())
    assert synthetic.cloze_questions(store, n=15) == made
    assert synthetic.cloze_questions(store, n=15, seed=1) != made
