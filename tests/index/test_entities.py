"""Answer types: what a question asks for, the entities stored with each article, and that
a sentence naming a thing of the kind asked for is preferred.

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/unit/test_entities.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.common import STORES, CountingEmbedder, store_at

from askbrief import Index, Settings, build_index
from askbrief.ask.ranking import SENTENCE_FEATURES
from askbrief.store.base import open_store

TYPE_MATCH = SENTENCE_FEATURES.index("type_match")


FLOODS = [
    {
        "id": "plain",
        "title": "Floods",
        "text": "A state of emergency was declared after the floods washed away roads, "
        "officials said on Monday.",
    },
    {
        "id": "named",
        "title": "Floods",
        "text": "Ecuador declared a state of emergency after floods on Monday.",
    },
]


def write(folder: Path, rows: list[dict[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "news.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")


def indexed(tmp_path: Path, kind: str, embedder: CountingEmbedder) -> Settings:
    """FLOODS in a real index of this kind."""
    write(tmp_path / "a", FLOODS)
    cfg = Settings.load(articles_dir=tmp_path / "a", store=store_at(tmp_path, kind))
    build_index(cfg, embedder)
    return cfg


@pytest.mark.parametrize("kind", STORES)
def test_the_sentence_naming_what_was_asked_for_comes_first(
    tmp_path: Path, embedder: CountingEmbedder, kind: str
) -> None:
    cfg = indexed(tmp_path, kind, embedder)
    idx = Index(cfg, embedder)
    question = "Which country declared a state of emergency after the floods?"
    scored = idx.score(question)
    match = {
        c.article_id: f[TYPE_MATCH]
        for c, f in zip(scored.candidates, scored.sentence_features, strict=True)
    }
    assert match == {"plain": 0.0, "named": 1.0}
    answer = idx.ask(question, max_quotes=1)
    assert answer.answered and answer.quotes[0].article_id == "named", answer
    # A question that names the country already gets nothing for it.
    scored = idx.score("Did Ecuador declare a state of emergency after the floods?")
    assert not any(f[TYPE_MATCH] for f in scored.sentence_features)
    idx.store.close()


@pytest.mark.parametrize("kind", STORES)
def test_entities_follow_incremental_updates(
    tmp_path: Path, embedder: CountingEmbedder, kind: str
) -> None:
    cfg = indexed(tmp_path, kind, embedder)
    store = open_store(cfg)
    plain_before = store.entities("plain")
    assert ("Ecuador", "GPE") in [
        (FLOODS[1]["text"][s:e], label) for s, e, label in store.entities("named")
    ]
    store.close()

    changed = [FLOODS[0], {**FLOODS[1], "text": "Peru declared a state of emergency on Monday."}]
    write(
        tmp_path / "a",
        [*changed, {"id": "new", "title": "Visit", "text": "Emmanuel Macron visited Lima."}],
    )
    report = build_index(cfg, embedder)
    assert (report.added, report.updated, report.unchanged) == (1, 1, 1)
    store = open_store(cfg)
    text = changed[1]["text"]
    assert store.entities("plain") == plain_before
    assert [text[s:e] for s, e, _ in store.entities("named")][:1] == ["Peru"]
    assert "Emmanuel Macron" in [
        "Emmanuel Macron visited Lima."[s:e] for s, e, _ in store.entities("new")
    ]
    store.close()
