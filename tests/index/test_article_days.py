"""Each article's date is stored when the article is written, and `ReadStore.article_days`
answers from it in one batch: the same dates `dates.article_date` gives the articles
themselves, on the FAISS folder and on Milvus Lite. Indexes written before dates were stored
(a generation without the column, Milvus rows without the field) still open and give the
same dates and answers, without a rebuild; an incremental build on one fills them in. The
real model and real indexes on disk."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from askbrief import Index, Settings, build_index
from askbrief.dates import article_date
from askbrief.ingest.embedding import Embedder
from askbrief.store.base import ReadStore, open_store
from askbrief.store.faiss.read import META_DB, FaissStore, current_generation
from askbrief.store.manifest import MANIFEST, file_digests
from askbrief.store.milvus.connection import Connection
from askbrief.store.milvus.read import MilvusStore
from askbrief.store.milvus.schema import visible

# Every way an article comes to have a date, or none.
ARTICLES = [
    {
        "id": "iso",
        "title": "Harbour pilots strike",
        "published": "2024-02-05",
        "text": "Harbour pilots went on strike on Monday over night shifts at the port of "
        "Kellin, halting ferries for the day.",
    },
    {
        "id": "rfc",
        "title": "Bridge reopens",
        "published": "Tue, 9 Jan 2024 10:05 GMT",
        "text": "The old river bridge in Kellin reopened to traffic after two years of repairs "
        "costing 14 million euros.",
    },
    {
        "id": "from-url",
        "title": "Library extends hours",
        "url": "https://example.org/news/2023/11/21/library-hours",
        "text": "The city library will stay open until ten at night on weekdays from "
        "December, the council said.",
    },
    {
        "id": "month-url",
        "title": "Tram line planned",
        "url": "https://example.org/2022/06/tram",
        "text": "A new tram line linking the station to the university is planned for 2026, "
        "transport officials announced.",
    },
    {
        "id": "undated",
        "title": "Choir wins prize",
        "text": "The Kellin youth choir won first prize at the national festival with a "
        "programme of folk songs.",
    },
    {
        "id": "bad-date",
        "title": "Museum buys painting",
        "published": "sometime soon",
        "text": "The town museum bought a landscape painting by a local artist for 80,000 "
        "euros at auction.",
    },
]
EXPECTED = {
    "iso": date(2024, 2, 5),
    "rfc": date(2024, 1, 9),
    "from-url": date(2023, 11, 21),
    "month-url": date(2022, 6, 15),
    "undated": None,
    "bad-date": None,
}
QUESTIONS = [
    "Why did harbour pilots go on strike?",
    "How much did the bridge repairs cost?",
    "Who won the national choir festival?",
]
LATE = {
    "id": "late",
    "title": "Ferry timetable changes",
    "published": "2024-03-01",
    "text": "Ferries from Kellin will run every half hour from March, the operator said.",
}


def write_articles(folder: Path, articles: list[dict[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(a) for a in articles]
    (folder / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(params=["faiss", "milvus"])
def built(request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder) -> Settings:
    store = tmp_path / ("idx.db" if request.param == "milvus" else "idx")
    settings = Settings.load(articles_dir=tmp_path / "articles", store=str(store))
    write_articles(settings.articles_dir, ARTICLES)
    build_index(settings, embedder)
    return settings


@pytest.fixture
def opened(built: Settings) -> Iterator[ReadStore]:
    store = open_store(built)
    yield store
    store.close()


def computed(store: ReadStore) -> dict[str, date | None]:
    """Each article's date as a question computed it before dates were stored."""
    out: dict[str, date | None] = {}
    for article_id in store.article_ids():
        article = store.article(article_id)
        assert article is not None
        out[article_id] = article_date(article)
    return out


def answers(settings: Settings, embedder: Embedder) -> list[tuple[Any, ...]]:
    index = Index(settings, embedder)
    try:
        out = []
        for q in QUESTIONS:
            a = index.ask(q)
            spans = tuple((x.article_id, x.start, x.end) for x in a.quotes)
            out.append((a.answered, round(a.confidence, 4), spans))
        return out
    finally:
        index.store.close()


def test_each_article_date_is_stored_and_read_in_one_batch(opened: ReadStore) -> None:
    assert computed(opened) == EXPECTED
    asked = [*EXPECTED, "no-such-article", "iso"]  # unknown ids and repeats are fine
    assert opened.article_days(asked) == {**EXPECTED, "no-such-article": None}
    assert opened.article_days([]) == {}


def test_the_date_is_what_the_build_stored(opened: ReadStore) -> None:
    """Read from the stored value, not from the article: the stored text is what counts."""
    if isinstance(opened, FaissStore):
        rows = dict(opened.db.execute("SELECT id, day FROM articles"))
        assert rows == {a: d.isoformat() if d else "" for a, d in EXPECTED.items()}
    else:
        assert isinstance(opened, MilvusStore)
        infos = {
            r["article_id"]: json.loads(r["info"])["day"]
            for r in opened.conn.rows("articles", visible(opened.build), ["article_id", "info"])
        }
        assert infos == {a: d.isoformat() if d else "" for a, d in EXPECTED.items()}


def forget_days(settings: Settings) -> None:
    """Make the index as a build before dates were stored left it: the FAISS generation
    without the column (its manifest's checksums made to match again), or Milvus article
    rows without the field."""
    loc = settings.location
    if not loc.is_milvus:
        assert loc.path is not None
        gen = current_generation(loc.path)
        assert gen is not None
        db = sqlite3.connect(gen / META_DB)
        db.execute("ALTER TABLE articles DROP COLUMN day")
        db.commit()
        db.execute("VACUUM")
        db.close()
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
        manifest["files"] = file_digests(gen)
        (gen / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        return
    conn = Connection(loc)
    try:
        rows = list(conn.rows("articles", "build >= 0", ["info"]))
        for r in rows:
            info = json.loads(r["info"])
            del info["day"]
            r["info"] = json.dumps(info)
        conn.call(conn.client.upsert, conn.name("articles"), rows, partial_update=True)
        conn.call(conn.client.flush, conn.name("articles"))
    finally:
        conn.close()


def test_an_index_written_before_dates_were_stored_answers_alike(
    built: Settings, embedder: Embedder
) -> None:
    before = answers(built, embedder)
    forget_days(built)
    store = open_store(built)
    try:
        if isinstance(store, FaissStore):
            columns = {r[1] for r in store.db.execute("PRAGMA table_info(articles)")}
            assert "day" not in columns  # really the old shape
        else:
            assert isinstance(store, MilvusStore)
            rows = store.conn.rows("articles", visible(store.build), ["info"])
            assert not any("day" in json.loads(r["info"]) for r in rows)
        assert store.article_days([*EXPECTED, "no-such-article"]) == {
            **EXPECTED,
            "no-such-article": None,
        }
        assert store.manifest["format_version"] == 3  # the same format: no rebuild asked
    finally:
        store.close()
    assert answers(built, embedder) == before

    # an incremental build over it keeps every article's date and adds the new one's
    write_articles(built.articles_dir, [*ARTICLES, LATE])
    report = build_index(built, embedder)
    assert report.added == 1 and report.passages_embedded == 1
    store = open_store(built)
    try:
        assert store.article_days([*EXPECTED, "late"]) == {**EXPECTED, "late": date(2024, 3, 1)}
        if isinstance(store, FaissStore):  # the copied rows were filled in, too
            assert None not in {d for (d,) in store.db.execute("SELECT day FROM articles")}
    finally:
        store.close()
