"""Article versions (store/history.py) through builds, on the FAISS folder and on Milvus Lite:
a corrected article keeps its earlier text readable while only the current one is answered
from; an unchanged rebuild keeps nothing new; `--full` keeps the history; an article removed
from the folder keeps its versions until `askbrief index --prune`; a damaged version store
is a one-line error on open that `--full` recovers from. Real model, real stores.

Here because each test runs several builds; the index from before versions were kept is in
tests/index/test_article_versions.py, a Milvus server in test_article_versions_server.py,
the planning alone in tests/unit/test_article_versions.py."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.common import STORES, CountingEmbedder, store_at
from support.versions import BRIDGE, BRIDGE_FIXED, CHOIR, COST_Q, write_articles

from askbrief import Index, Settings, build_index
from askbrief.cli.main import cli
from askbrief.errors import IndexMismatchError
from askbrief.records import version_of
from askbrief.store.base import ReadStore, open_store
from askbrief.store.faiss.read import current_generation
from askbrief.store.manifest import MANIFEST, file_digests
from askbrief.store.milvus.connection import Connection
from askbrief.store.milvus.session import write_meta

OLD, NEW = version_of(BRIDGE["text"]), version_of(BRIDGE_FIXED["text"])


@pytest.fixture(params=STORES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    s = Settings.load(articles_dir=tmp_path / "articles", store=store_at(tmp_path, request.param))
    write_articles(s.articles_dir, [BRIDGE, CHOIR])
    return s


@pytest.fixture
def use_session_model(monkeypatch: pytest.MonkeyPatch, embedder: CountingEmbedder) -> None:
    """CLI commands in-process use the already loaded model instead of loading their own."""
    import askbrief.store.build

    monkeypatch.setattr(askbrief.store.build, "Embedder", lambda: embedder)


def reading(settings: Settings, check: Callable[[ReadStore], None]) -> None:
    store = open_store(settings)
    try:
        check(store)
    finally:
        store.close()


def history(settings: Settings, article_id: str = "bridge") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    reading(settings, lambda s: out.extend((v.version, v.saved_at) for v in s.versions(article_id)))
    return out


def cli_index(settings: Settings, *args: str) -> Result:
    where = ["--store", settings.location.uri, "--articles", str(settings.articles_dir)]
    result = CliRunner().invoke(cli, ["index", "-q", *where, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_a_corrected_article_keeps_its_old_version_readable(
    settings: Settings, embedder: CountingEmbedder
) -> None:
    build_index(settings, embedder)
    write_articles(settings.articles_dir, [BRIDGE_FIXED, CHOIR])
    report = build_index(settings, embedder)
    assert (report.updated, report.unchanged) == (1, 1)

    def check(store: ReadStore) -> None:
        old, new = store.versions("bridge")
        assert (old.version, old.chars, old.title) == (OLD, len(BRIDGE["text"]), BRIDGE["title"])
        assert (new.version, new.title) == (NEW, BRIDGE_FIXED["title"])
        assert old.saved_at <= new.saved_at
        before = store.article_version("bridge", OLD)
        assert before is not None
        assert (before.id, before.title, before.text) == ("bridge", BRIDGE["title"], BRIDGE["text"])
        assert (before.url, before.published, before.source_path) == (
            BRIDGE["url"],
            BRIDGE["published"],
            store.article("bridge").source_path,  # type: ignore[union-attr]
        )
        assert store.article_version("bridge", NEW) == store.article("bridge")
        assert [v.version for v in store.versions("choir")] == [version_of(CHOIR["text"])]
        assert store.corrected_articles() == 1
        assert store.versions("no-such-article") == []
        assert store.article_version("no-such-article", OLD) is None
        assert store.article_version("bridge", version_of("never this text")) is None

    reading(settings, check)
    # only the current text is searched and answered from
    index = Index(settings, embedder)
    try:
        quotes = index.ask(COST_Q).quotes
        assert any("15.2 million" in q.text for q in quotes)
        assert not any("14 million" in q.text for q in quotes)
    finally:
        index.store.close()


def test_an_unchanged_rebuild_adds_no_version(
    settings: Settings, embedder: CountingEmbedder
) -> None:
    build_index(settings, embedder)
    before = history(settings) + history(settings, "choir")
    report = build_index(settings, embedder)
    assert report.unchanged == 2 and report.passages_embedded == 0
    assert history(settings) + history(settings, "choir") == before
    assert len(before) == 2
    reading(settings, lambda s: assert_corrected(s, 0))


def assert_corrected(store: ReadStore, n: int) -> None:
    assert store.corrected_articles() == n


def test_a_full_rebuild_keeps_the_history(settings: Settings, embedder: CountingEmbedder) -> None:
    build_index(settings, embedder)
    write_articles(settings.articles_dir, [BRIDGE_FIXED, CHOIR])
    build_index(settings, embedder)
    before = history(settings) + history(settings, "choir")
    report = build_index(settings, embedder, full=True)
    assert report.added == 2 and not report.warnings
    assert history(settings) + history(settings, "choir") == before  # dates too
    reading(settings, lambda s: assert_corrected(s, 1))
    # and a full rebuild that corrects an article keeps the text it replaces
    write_articles(settings.articles_dir, [BRIDGE, CHOIR])
    build_index(settings, embedder, full=True)
    assert [v for v, _ in history(settings)] == [NEW, OLD]  # back to the first text: current


def test_a_removed_article_keeps_its_versions_until_prune(
    settings: Settings, embedder: CountingEmbedder, use_session_model: None
) -> None:
    build_index(settings, embedder)
    write_articles(settings.articles_dir, [BRIDGE_FIXED, CHOIR])
    build_index(settings, embedder)
    write_articles(settings.articles_dir, [CHOIR])
    out = cli_index(settings).output
    assert "removed 1" in out and "pruned" not in out

    def kept(store: ReadStore) -> None:
        assert [v.version for v in store.versions("bridge")] == [OLD, NEW]
        assert store.article("bridge") is None
        gone = store.article_version("bridge", NEW)
        assert gone is not None and gone.text == BRIDGE_FIXED["text"]
        assert store.corrected_articles() == 0  # counts indexed articles only

    reading(settings, kept)
    assert "pruned" not in cli_index(settings).output  # still kept, build after build
    reading(settings, kept)
    out = cli_index(settings, "--prune").output
    assert "unchanged 1; 0 passages embedded; 2 versions pruned" in out

    def pruned(store: ReadStore) -> None:
        assert store.versions("bridge") == []
        assert store.article_version("bridge", OLD) is None
        assert [v.version for v in store.versions("choir")] == [version_of(CHOIR["text"])]

    reading(settings, pruned)
    assert "0 versions pruned" in cli_index(settings, "--prune").output


def test_an_article_back_in_the_folder_gets_its_version_back_and_prune_spares_it(
    settings: Settings, embedder: CountingEmbedder
) -> None:
    build_index(settings, embedder)
    choir = history(settings, "choir")
    write_articles(settings.articles_dir, [BRIDGE_FIXED])
    build_index(settings, embedder)  # bridge corrected, choir removed: both texts kept
    assert history(settings, "choir") == choir
    # choir back, from another file: its kept text is current again, with its date
    (settings.articles_dir / "more.jsonl").write_text(json.dumps(CHOIR) + "\n", encoding="utf-8")
    report = build_index(settings, embedder, prune=True)
    assert (report.added, report.pruned) == (1, 0)
    assert history(settings, "choir") == choir
    reading(settings, lambda s: assert_corrected(s, 1))  # choir has one version, not two
    # bridge removed and pruned in one build: nothing of it is kept
    (settings.articles_dir / "news.jsonl").unlink()
    report = build_index(settings, embedder, prune=True)
    assert (report.removed, report.pruned) == (1, 2)  # its kept text and its last one
    assert history(settings) == []
    assert history(settings, "choir") == choir


# ---------------------------------------------------------------- damaged version stores


def _faiss_rewrite(settings: Settings, change: Callable[[Path], None]) -> None:
    gen = current_generation(settings.location.path)  # type: ignore[arg-type]
    assert gen is not None
    change(gen / "versions.sqlite")
    manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"] = file_digests(gen)  # past the checksums: what the file itself says
    (gen / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[:100] = b"\x00" * 100  # the SQLite header
    path.write_bytes(bytes(data))


def _lose_a_version(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("DELETE FROM versions WHERE rowid = (SELECT min(rowid) FROM versions)")
    db.commit()
    db.close()


FAISS_DAMAGE: dict[str, tuple[Callable[[Settings], None], str]] = {
    "overwritten bytes": (
        lambda s: _garble(current_generation(s.location.path) / "versions.sqlite"),  # type: ignore[arg-type, operator]
        "versions.sqlite is damaged (checksum differs)",
    ),
    "deleted": (
        lambda s: (current_generation(s.location.path) / "versions.sqlite").unlink(),  # type: ignore[arg-type, operator]
        "versions.sqlite is missing",
    ),
    "not a database (checksums redone)": (
        lambda s: _faiss_rewrite(s, _garble),
        "version store versions.sqlite is damaged (file is not a database)",
    ),
    "a version lost (checksums redone)": (
        lambda s: _faiss_rewrite(s, _lose_a_version),
        "version store versions.sqlite is damaged (0 versions, the manifest says 1)",
    ),
}


def _corrected(tmp_path: Path, kind: str, embedder: CountingEmbedder) -> Settings:
    s = Settings.load(articles_dir=tmp_path / "articles", store=store_at(tmp_path, kind))
    write_articles(s.articles_dir, [BRIDGE, CHOIR])
    build_index(s, embedder)
    write_articles(s.articles_dir, [BRIDGE_FIXED, CHOIR])
    build_index(s, embedder)
    return s


def _one_line_errors(settings: Settings, message: str) -> None:
    with pytest.raises(IndexMismatchError, match="askbrief index --full") as err:
        open_store(settings)
    assert message in str(err.value) and "\n" not in str(err.value)
    where = ["--store", settings.location.uri]
    for args in (["stats", *where], ["show", "bridge", *where]):
        result = CliRunner().invoke(cli, args)
        lines = result.output.strip().splitlines()
        assert result.exit_code == 1 and len(lines) == 1, result.output
        assert lines[0].startswith("Error: ") and message in lines[0], lines[0]
        assert "run `askbrief index --full`" in lines[0]


@pytest.mark.parametrize("case", list(FAISS_DAMAGE))
def test_a_damaged_faiss_version_store_is_a_one_line_error_and_full_recovers(
    case: str, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    settings = _corrected(tmp_path, "faiss", embedder)
    damage, message = FAISS_DAMAGE[case]
    damage(settings)
    _one_line_errors(settings, message)
    with pytest.raises(IndexMismatchError, match="versions.sqlite.*--full"):
        build_index(settings, embedder)  # an incremental build refuses it too
    report = build_index(settings, embedder, full=True)
    assert any("earlier article versions could not be carried over" in w for w in report.warnings)
    reading(settings, lambda s: assert_versions(s, [NEW]))  # history starts again


def assert_versions(store: ReadStore, versions: list[str]) -> None:
    assert [v.version for v in store.versions("bridge")] == versions


def test_a_full_rebuild_after_current_is_garbled_keeps_the_history(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """With CURRENT unreadable, the versions come from the newest generation."""
    settings = _corrected(tmp_path, "faiss", embedder)
    before = history(settings)
    (settings.location.path / "CURRENT").write_bytes(b"\x00 junk")  # type: ignore[operator]
    report = build_index(settings, embedder, full=True)
    assert not report.warnings
    assert history(settings) == before and len(before) == 2


def test_a_damaged_milvus_version_store_is_a_one_line_error_and_full_recovers(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    settings = Settings.load(articles_dir=tmp_path / "articles", store=store_at(tmp_path, "milvus"))
    # long enough to be kept in two parts
    long = BRIDGE | {"text": BRIDGE["text"] + " The council met again on Tuesday." * 600}
    write_articles(settings.articles_dir, [long, CHOIR])
    build_index(settings, embedder)
    write_articles(settings.articles_dir, [BRIDGE_FIXED, CHOIR])
    build_index(settings, embedder)
    conn = Connection(settings.location)
    try:  # one part of the kept version lost
        conn.load()
        assert conn.count("versions", "part >= 0") == 2
        conn.call(conn.client.delete, conn.name("versions"), filter="part == 1")
        conn.call(conn.client.flush, conn.name("versions"))
    finally:
        conn.close()
    _one_line_errors(settings, "article versions are damaged (1 row, the meta row says 2)")
    with pytest.raises(IndexMismatchError, match="article versions are damaged.*--full"):
        build_index(settings, embedder)
    report = build_index(settings, embedder, full=True)
    assert [w for w in report.warnings if "article versions" in w] == [
        f"{settings.location.shown}: the store's article versions were damaged (1 row, the "
        "meta row says 2); 1 broken version dropped, the rest kept"
    ]
    reading(settings, lambda s: assert_versions(s, [NEW]))

    # the collection gone altogether
    conn = Connection(settings.location)
    try:
        conn.call(conn.client.drop_collection, conn.name("versions"))
    finally:
        conn.close()
    _one_line_errors(settings, "collection askbrief_versions is missing")
    build_index(settings, embedder, full=True)
    reading(settings, lambda s: assert_versions(s, [NEW]))


def test_a_milvus_rebuild_that_remakes_the_collections_keeps_the_versions(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """--full on a store it cannot reuse (another store format here) drops and remakes
    every collection but the versions, whose rows it makes visible to the new builds."""
    settings = _corrected(tmp_path, "milvus", embedder)
    before = history(settings)
    conn = Connection(settings.location)
    try:
        write_meta(conn, {**(conn.meta() or {}), "store_format": 0})
    finally:
        conn.close()
    with pytest.raises(IndexMismatchError, match="store format 0"):
        build_index(settings, embedder)
    build_index(settings, embedder, full=True)
    assert [v for v, _ in history(settings)] == [OLD, NEW]
    assert history(settings)[0] == before[0]  # the kept one with its date


def test_a_failed_milvus_build_leaves_the_versions_as_published(
    tmp_path: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.load(articles_dir=tmp_path / "articles", store=store_at(tmp_path, "milvus"))
    write_articles(settings.articles_dir, [BRIDGE, CHOIR])
    build_index(settings, embedder)

    def explode(texts, spans):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated crash while embedding")

    monkeypatch.setattr(embedder, "embed_passages", explode)
    write_articles(settings.articles_dir, [BRIDGE_FIXED, CHOIR])
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_index(settings, embedder)  # after it kept the old text
    monkeypatch.undo()
    assert [v for v, _ in history(settings)] == [OLD]
    build_index(settings, embedder)
    assert [v for v, _ in history(settings)] == [OLD, NEW]
    reading(settings, lambda s: assert_corrected(s, 1))
