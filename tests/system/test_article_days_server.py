"""A Milvus server stores each article's date at build time as Milvus Lite and the FAISS
folder do, and `article_days` gives the FAISS folder's dates for the same articles, with rows
written before dates were stored computed as before. A real `milvus-lite server` in a child
process on a free port."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from support.milvus import MilvusServer, running_server

from askbrief import Settings, build_index
from askbrief.ingest.embedding import Embedder
from askbrief.store.base import open_store
from askbrief.store.milvus.connection import Connection

ARTICLES = [
    {
        "id": "dated",
        "title": "Harbour pilots strike",
        "published": "Mon, 5 Feb 2024 09:00 GMT",
        "text": "Harbour pilots went on strike on Monday over night shifts at the port.",
    },
    {
        "id": "from-url",
        "title": "Library extends hours",
        "url": "https://example.org/news/2023/11/21/library-hours",
        "text": "The city library will stay open until ten at night on weekdays.",
    },
    {
        "id": "undated",
        "title": "Choir wins prize",
        "text": "The youth choir won first prize at the national festival.",
    },
]
EXPECTED = {"dated": date(2024, 2, 5), "from-url": date(2023, 11, 21), "undated": None}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusServer]:
    with running_server(tmp_path_factory.mktemp("milvus")) as running:
        yield running


def test_a_server_store_gives_the_folder_s_dates(
    server: MilvusServer, tmp_path: Path, embedder: Embedder
) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "news.jsonl").write_text(
        "\n".join(json.dumps(a) for a in ARTICLES) + "\n", encoding="utf-8"
    )
    folder = Settings.load(articles_dir=articles, store=str(tmp_path / "idx"))
    remote = Settings.load(articles_dir=articles, store=server.url("days"))
    days = {}
    for settings in (folder, remote):
        build_index(settings, embedder)
        store = open_store(settings)
        try:
            days[settings.location.kind] = store.article_days([*EXPECTED, "missing"])
        finally:
            store.close()
    assert days["faiss"] == days["milvus"] == {**EXPECTED, "missing": None}

    # rows without the stored date (as a build before dates were stored wrote them)
    conn = Connection(remote.location)
    try:
        rows = list(conn.rows("articles", "build >= 0", ["info"]))
        for r in rows:
            r["info"] = json.dumps({k: v for k, v in json.loads(r["info"]).items() if k != "day"})
        conn.call(conn.client.upsert, conn.name("articles"), rows, partial_update=True)
    finally:
        conn.close()
    store = open_store(remote)
    try:
        assert store.article_days(list(EXPECTED)) == EXPECTED
    finally:
        store.close()
