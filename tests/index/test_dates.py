"""Article dates and recency: where a date comes from, and that a newer article wins a tie.

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/unit/test_dates.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.common import STORES, CountingEmbedder, store_at

from askbrief import Index, Settings, build_index
from askbrief.ask.ranking import load_weights

LIBRARY = "Springfield mayor {name} opened the new riverside library on Monday, the city said."
QUESTION = "Which Springfield mayor opened the new riverside library?"


def two_mayors(folder: Path, jones: str | None, smith: str | None) -> None:
    """The same report twice, with another name: only the dates tell them apart."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        {"id": "jones", "title": "Library opens", "text": LIBRARY.format(name="Alice Jones")},
        {"id": "smith", "title": "Library opens", "text": LIBRARY.format(name="Bob Smith")},
    ]
    for row, when in zip(rows, (jones, smith), strict=True):
        if when:
            row["url"] = f"https://example.com/{when.replace('-', '/')}/library"
    (folder / "wire.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")


@pytest.mark.parametrize("kind", STORES)
def test_the_newer_of_two_equal_reports_is_quoted_first(
    tmp_path: Path, embedder: CountingEmbedder, kind: str
) -> None:
    firsts = []
    for n, (jones, smith) in enumerate(
        [("2019-05-06", "2024-01-08"), ("2024-01-08", "2019-05-06")]
    ):
        articles = tmp_path / f"a{n}"
        two_mayors(articles, jones, smith)
        settings = Settings.load(articles_dir=articles, store=store_at(tmp_path / f"i{n}", kind))
        build_index(settings, embedder)
        idx = Index(settings, embedder)
        assert idx.store.manifest["newest_article"] == "2024-01-08"
        answer = idx.ask(QUESTION, max_quotes=1)
        assert answer.answered, answer
        firsts.append(answer.quotes[0].article_id)
        assert answer.sources[0].date == "2024-01-08"  # from the URL: the date ranking used
        idx.store.close()
    assert firsts == ["smith", "jones"]


def test_an_undated_collection_uses_the_model_fitted_without_dates(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    two_mayors(tmp_path / "a", None, None)
    settings = Settings.load(articles_dir=tmp_path / "a", index_dir=tmp_path / "idx")
    build_index(settings, embedder)
    idx = Index(settings, embedder)
    assert idx.store.manifest["newest_article"] is None
    assert idx.threshold() == load_weights().threshold_undated
    assert idx.ask(QUESTION).answered
    two_mayors(tmp_path / "a", None, "2024-01-08")
    build_index(settings, embedder)
    assert Index(settings, embedder).threshold() == load_weights().threshold
