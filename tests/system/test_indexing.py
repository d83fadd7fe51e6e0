"""Building and updating the index on disk with the real model and a real FAISS index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.common import STORES, CountingEmbedder, store_at

from askbrief import Settings, build_index, open_index
from askbrief.errors import AskbriefError, IndexMismatchError, NoIndexError
from askbrief.store.faiss.read import CURRENT, FaissStore, current_generation
from askbrief.store.manifest import MANIFEST


def settings_for(articles: Path, tmp_path: Path, kind: str = "faiss", **kw: object) -> Settings:
    return Settings.load(articles_dir=articles, store=store_at(tmp_path, kind), **kw)


@pytest.mark.parametrize("kind", STORES)
def test_first_build_then_nothing_to_do(
    articles_dir: Path, tmp_path: Path, counting: CountingEmbedder, kind: str
) -> None:
    s = settings_for(articles_dir, tmp_path, kind)
    first = build_index(s, counting)
    assert (first.added, first.updated, first.removed, first.unchanged) == (5, 0, 0, 0)
    assert first.passages_embedded == first.passages == len(counting.embedded) > 5
    counting.reset()
    again = build_index(s, counting)
    assert again.summary() == "added 0, updated 0, removed 0, unchanged 5; 0 passages embedded"
    assert counting.embedded == []


@pytest.mark.parametrize("kind", STORES)
def test_incremental_embeds_only_what_changed(
    articles_dir: Path, tmp_path: Path, counting: CountingEmbedder, kind: str
) -> None:
    s = settings_for(articles_dir, tmp_path, kind)
    build_index(s, counting)
    harbor = articles_dir / "corpus" / "harbor.md"
    harbor.write_text(harbor.read_text().replace("12,400 panels", "15,900 panels"))
    (articles_dir / "corpus" / "chess.html").unlink()
    (articles_dir / "volcano.txt").write_text(
        "Volcano erupts near fishing village\n"
        "The Kalua volcano erupted on Monday night, sending ash four kilometres into the sky.\n"
        "About 600 residents of the nearby fishing village were evacuated by boat.\n"
    )
    counting.reset()
    report = build_index(s, counting)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 3)
    assert report.passages_embedded == len(counting.embedded) > 0
    titles = {t.split("\n\n", 1)[0] for t in counting.embedded}
    assert titles == {
        "Harbor city opens floating solar farm",
        "Volcano erupts near fishing village",
    }

    idx = open_index(s.location.uri, embedder=counting)
    assert idx.stats()["articles"] == 5
    answer = idx.ask("How many residents were evacuated after the volcano erupted?")
    assert answer.answered
    assert any("600 residents" in q.text and q.article_id == "volcano.txt" for q in answer.quotes)
    panels = idx.ask("How many panels does the floating solar farm have?")
    assert any("15,900 panels" in q.text for q in panels.quotes)
    assert not any("12,400" in q.text for q in panels.quotes)
    chess = idx.ask("Who won the national chess championship in Leeds?")
    assert all(q.article_id != "corpus/chess.html" for q in chess.quotes)
    assert idx.article("corpus/harbor.md").text == harbor.read_text()
    idx.store.close()


@pytest.mark.parametrize("kind", STORES)
def test_full_rebuild_embeds_everything(
    articles_dir: Path, tmp_path: Path, counting: CountingEmbedder, kind: str
) -> None:
    s = settings_for(articles_dir, tmp_path, kind)
    first = build_index(s, counting)
    counting.reset()
    full = build_index(s, counting, full=True)
    assert full.added == 5 and full.passages_embedded == first.passages
    assert (full.articles, full.passages) == (first.articles, first.passages)


@pytest.mark.parametrize("kind", STORES)
def test_changed_settings_require_full(
    articles_dir: Path, tmp_path: Path, counting: CountingEmbedder, kind: str
) -> None:
    build_index(settings_for(articles_dir, tmp_path, kind), counting)
    other = settings_for(articles_dir, tmp_path, kind, max_tokens=64)
    with pytest.raises(IndexMismatchError, match="max_tokens=160.*--full"):
        build_index(other, counting)
    assert build_index(other, counting, full=True).added == 5


def test_index_from_another_model_is_refused(
    articles_dir: Path, tmp_path: Path, counting: CountingEmbedder
) -> None:
    s = settings_for(articles_dir, tmp_path)
    build_index(s, counting)
    manifest_path = current_generation(s.location.path) / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["model"] = "some-other-model"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="some-other-model.*askbrief index --full"):
        FaissStore(s.location)
    build_index(s, counting, full=True)
    assert FaissStore(s.location).manifest["model"] == "all-MiniLM-L6-v2"


class ExplodingEmbedder(CountingEmbedder):
    def embed_passages(self, texts, spans):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated crash while embedding")


def test_failed_build_leaves_previous_index_usable(
    articles_dir: Path, tmp_path: Path, counting: CountingEmbedder
) -> None:
    s = settings_for(articles_dir, tmp_path)
    build_index(s, counting)
    before = (s.location.path / CURRENT).read_text()
    (articles_dir / "new.txt").write_text("New story\nSomething happened in the town today.\n")
    with pytest.raises(RuntimeError):
        build_index(s, ExplodingEmbedder())
    assert (s.location.path / CURRENT).read_text() == before
    answer = open_index(s.location.path, embedder=counting).ask("What did Lavrov say about France?")
    assert answer.answered
    report = build_index(s, counting)
    assert report.added == 1
    assert list(s.location.path.glob(".tmp-*")) == []


def test_errors_are_one_line(tmp_path: Path, counting: CountingEmbedder) -> None:
    with pytest.raises(NoIndexError, match="run `askbrief index` first"):
        open_index(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(AskbriefError, match="no readable articles"):
        build_index(settings_for(empty, tmp_path), counting)
    with pytest.raises(AskbriefError, match="no such folder"):
        build_index(settings_for(tmp_path / "nope", tmp_path), counting)
