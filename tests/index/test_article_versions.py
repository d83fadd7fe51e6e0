"""Article versions (store/history.py) on an index written before versions were kept: it
opens without a rebuild, on the FAISS folder and on Milvus Lite, each article with its one
version dated by the build that wrote it; the next incremental build starts keeping history.
The real model and real indexes on disk.

Here, what one or two builds show; the corrected, rebuilt, pruned and damaged stores (several
builds each) are in tests/system/test_article_versions.py, a Milvus server in
tests/system/test_article_versions_server.py, the planning alone in
tests/unit/test_article_versions.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.common import STORES, store_at
from support.versions import BRIDGE, BRIDGE_FIXED, CHOIR, forget_versions, write_articles

from askbrief import Settings, build_index
from askbrief.config import FORMAT_VERSION
from askbrief.ingest.embedding import Embedder
from askbrief.records import ArticleVersion, version_of
from askbrief.store.base import open_store


@pytest.mark.parametrize("kind", STORES)
def test_an_index_from_before_versions_opens_with_one_version_each(
    kind: str, tmp_path: Path, embedder: Embedder
) -> None:
    settings = Settings.load(articles_dir=tmp_path / "articles", store=store_at(tmp_path, kind))
    write_articles(settings.articles_dir, [BRIDGE, CHOIR])
    build_index(settings, embedder)
    forget_versions(settings)

    store = open_store(settings)
    try:
        built_at = store.manifest["built_at"]
        assert store.manifest["format_version"] == FORMAT_VERSION == 3  # no rebuild asked
        for a in (BRIDGE, CHOIR):
            one = ArticleVersion(
                a["id"], version_of(a["text"]), built_at, len(a["text"]), a["title"]
            )
            assert store.versions(a["id"]) == [one]
            assert store.article_version(a["id"], one.version) == store.article(a["id"])
        assert store.versions("no-such-article") == []
        assert store.article_version("bridge", "0" * 12) is None
        assert store.corrected_articles() == 0
    finally:
        store.close()

    # the next incremental build starts the history: the text it replaces is kept, dated
    # by the build that wrote it
    write_articles(settings.articles_dir, [BRIDGE_FIXED, CHOIR])
    report = build_index(settings, embedder)
    assert (report.updated, report.unchanged) == (1, 1)
    store = open_store(settings)
    try:
        old, new = store.versions("bridge")
        assert (old.version, old.saved_at, old.title) == (
            version_of(BRIDGE["text"]),
            built_at,
            BRIDGE["title"],
        )
        assert new.version == version_of(BRIDGE_FIXED["text"]) and new.saved_at >= built_at
        before = store.article_version("bridge", old.version)
        assert before is not None and before.text == BRIDGE["text"]
        assert [v.saved_at for v in store.versions("choir")] == [built_at]  # unchanged
        assert store.corrected_articles() == 1
    finally:
        store.close()
