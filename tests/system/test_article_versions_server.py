"""Article versions (store/history.py) on a real Milvus server (`milvus-lite server`, a child
process on a free port): a corrected article keeps its earlier text readable; a reader that
opened the store before the correction keeps seeing the build it opened (one version) until
it reopens; --full and --prune work over the network as on Milvus Lite; and a damaged
versions collection is a one-line error on open.

The same on the FAISS folder and Milvus Lite: tests/system/test_article_versions.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.common import CountingEmbedder
from support.milvus import MilvusServer, running_server
from support.versions import BRIDGE, BRIDGE_FIXED, CHOIR, write_articles

from askbrief import Settings, build_index
from askbrief.errors import IndexMismatchError
from askbrief.records import version_of
from askbrief.store.base import open_store
from askbrief.store.milvus.connection import Connection

OLD, NEW = version_of(BRIDGE["text"]), version_of(BRIDGE_FIXED["text"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusServer]:
    with running_server(tmp_path_factory.mktemp("milvus")) as running:
        yield running


def test_versions_over_the_network(
    server: MilvusServer, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    settings = Settings.load(articles_dir=tmp_path / "articles", store=server.url("versions"))
    write_articles(settings.articles_dir, [BRIDGE, CHOIR])
    build_index(settings, embedder)
    before = open_store(settings)  # a reader at the first build
    try:
        write_articles(settings.articles_dir, [BRIDGE_FIXED, CHOIR])
        build_index(settings, embedder)
        assert [v.version for v in before.versions("bridge")] == [OLD]  # its build's view
        assert before.corrected_articles() == 0
        after = open_store(settings)
        try:
            assert [v.version for v in after.versions("bridge")] == [OLD, NEW]
            old = after.article_version("bridge", OLD)
            assert old is not None and old.text == BRIDGE["text"]
            assert after.corrected_articles() == 1
        finally:
            after.close()
    finally:
        before.close()

    build_index(settings, embedder, full=True)
    write_articles(settings.articles_dir, [CHOIR])
    assert build_index(settings, embedder).pruned is None
    store = open_store(settings)
    try:
        assert [v.version for v in store.versions("bridge")] == [OLD, NEW]  # removed: kept
    finally:
        store.close()
    assert build_index(settings, embedder, prune=True).pruned == 2

    conn = Connection(settings.location)
    try:  # a whole versions collection lost: found on open
        conn.call(conn.client.drop_collection, conn.name("versions"))
    finally:
        conn.close()
    with pytest.raises(IndexMismatchError, match="versions_versions is missing.*--full"):
        open_store(settings)
