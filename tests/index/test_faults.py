"""Faults: `askbrief index` killed at every phase of a build, and damaged indexes detected on
open with a one-line error that says to run `askbrief index --full`, which then recovers.

Builds are killed for real (SIGKILL to an `askbrief index` process). The indexer's test hook
ASKBRIEF_TEST_PAUSE_AT=<phase> makes it announce the phase on stderr and wait there, so the
kill lands at a known point instead of at a lucky moment.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.common import SEED_Q, CountingEmbedder
from support.faults import fresh_copy, truncate

from askbrief import Index, Settings, build_index
from askbrief.cli.main import cli
from askbrief.errors import IndexMismatchError
from askbrief.store.faiss.read import CURRENT, FaissStore, current_generation


def _overwrite(name: str, offset: int, data: bytes) -> Callable[[Path, Path], None]:
    def damage(gen: Path, root: Path) -> None:
        with open(gen / name, "r+b") as fh:
            fh.seek(offset)
            fh.write(data)

    return damage


def _edit_manifest(**fields: object) -> Callable[[Path, Path], None]:
    def damage(gen: Path, root: Path) -> None:
        manifest = json.loads((gen / "manifest.json").read_text())
        (gen / "manifest.json").write_text(json.dumps(manifest | fields))

    return damage


def _write(rel: str, data: bytes) -> Callable[[Path, Path], None]:
    def damage(gen: Path, root: Path) -> None:
        (gen / rel if not rel.startswith("/") else root / rel[1:]).write_bytes(data)

    return damage


def _delete(rel: str) -> Callable[[Path, Path], None]:
    def damage(gen: Path, root: Path) -> None:
        path = gen / rel if not rel.startswith("/") else root / rel[1:]
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    return damage


def _corrupt_sqlite_page(gen: Path, root: Path) -> None:
    """Garbage over the last page: the header still says SQLite, the data is wrong."""
    path = gen / "meta.sqlite"
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.seek(size - 4096)
        fh.write(b"\xde\xad\xbe\xef" * 1024)


DAMAGE: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "truncated dense.faiss": (truncate("dense.faiss", 100), "dense.faiss is damaged"),
    "emptied dense.faiss": (truncate("dense.faiss", 0), "dense.faiss is damaged"),
    "deleted dense.faiss": (_delete("dense.faiss"), "dense.faiss is missing"),
    "flipped bytes in dense.faiss": (
        _overwrite("dense.faiss", 2000, b"\xff\xff"),
        "dense.faiss is damaged (checksum",
    ),
    "truncated sentences.faiss": (truncate("sentences.faiss", 64), "sentences.faiss is damaged"),
    "garbage sqlite header": (_overwrite("meta.sqlite", 0, b"garbage" * 20), "meta.sqlite is"),
    "garbage sqlite page": (_corrupt_sqlite_page, "meta.sqlite is damaged"),
    "deleted meta.sqlite": (_delete("meta.sqlite"), "meta.sqlite is missing"),
    "deleted keyword index": (_delete("bm25"), "is missing"),
    "older manifest format": (_edit_manifest(format_version=1), "index format 1 is not"),
    "manifest of another model": (_edit_manifest(model="e5-large"), "model 'e5-large'"),
    "manifest not JSON": (_write("manifest.json", b'{"format_ver'), "manifest.json is missing or"),
    "manifest a JSON list": (_write("manifest.json", b"[1, 2]"), "manifest.json is missing or"),
    "deleted manifest": (_delete("manifest.json"), "manifest.json is missing"),
    "deleted generation": (_delete("/gen-000001"), "names gen-000001, which is missing"),
    "garbage in CURRENT": (_write("/CURRENT", b"\x00\xff\xfe junk \n\n"), "CURRENT is damaged"),
    "CURRENT points outside": (_write("/CURRENT", b"../../etc\n"), "CURRENT is damaged"),
    "empty CURRENT": (_write("/CURRENT", b""), "CURRENT is damaged"),
    "deleted CURRENT": (_delete("/CURRENT"), "CURRENT is missing"),
}


@pytest.fixture
def use_session_model(monkeypatch: pytest.MonkeyPatch, embedder: CountingEmbedder) -> None:
    """CLI commands in-process use the already loaded model instead of loading their own."""
    import askbrief.ask.index
    import askbrief.store.build

    monkeypatch.setattr(askbrief.store.build, "Embedder", lambda: embedder)
    monkeypatch.setattr(askbrief.ask.index, "Embedder", lambda: embedder)


def cli_run(args: list[str], settings: Settings):  # type: ignore[no-untyped-def]
    env = {"ASKBRIEF_INDEX_DIR": str(settings.location.path)}
    env["ASKBRIEF_ARTICLES_DIR"] = str(settings.articles_dir)
    # catch_exceptions=False: an unexpected exception fails the test instead of hiding
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_index_is_one_line_error_and_full_rebuild_recovers(
    case: str, built_seed: Settings, tmp_path: Path, use_session_model: None
) -> None:
    settings = fresh_copy(built_seed, tmp_path)
    damage, message = DAMAGE[case]
    gen = current_generation(settings.location.path)
    assert gen is not None and gen.name == "gen-000001"
    damage(gen, settings.location.path)
    with pytest.raises(IndexMismatchError, match="askbrief index --full"):
        FaissStore(settings.location)
    for args in (["stats"], ["query", SEED_Q], ["show", "000_27ae2b7c35e19781.txt"]):
        result = cli_run(args, settings)
        assert result.exit_code == 1, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (args, result.output)
        assert message in lines[0] and "run `askbrief index --full`" in lines[0], lines[0]
    rebuilt = cli_run(["index", "--full", "-q"], settings)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "added 1, updated 0, removed 0, unchanged 0" in rebuilt.output
    assert cli_run(["stats"], settings).exit_code == 0
    assert cli_run(["query", SEED_Q], settings).output.startswith("[1] ")


def test_incremental_build_refuses_a_damaged_index_with_the_same_hint(
    built_seed: Settings, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    settings = fresh_copy(built_seed, tmp_path)
    _overwrite("sentences.faiss", 3000, b"\x00" * 8)(
        current_generation(settings.location.path), settings.location.path
    )
    with pytest.raises(IndexMismatchError, match="sentences.faiss is damaged.*--full"):
        build_index(settings, embedder)
    assert list(settings.location.path.glob(".tmp-*")) == []
    assert build_index(settings, embedder, full=True).added == 1


def test_open_index_keeps_answering_when_current_is_garbled(
    built_seed: Settings, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """A running app holds its open generation; a garbled pointer does not take it down."""
    settings = fresh_copy(built_seed, tmp_path)
    idx = Index(settings, embedder)
    (settings.location.path / CURRENT).write_bytes(b"\xff garbage")
    assert idx.ask(SEED_Q).answered


def test_database_damaged_after_open_is_a_one_line_error(
    built_seed: Settings, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """Damage that appears while the index is open surfaces as the same kind of error."""
    settings = fresh_copy(built_seed, tmp_path)
    store = FaissStore(settings.location)
    store.db.close()
    store.db = sqlite3.connect(":memory:", check_same_thread=False)  # tables gone
    with pytest.raises(IndexMismatchError, match="metadata database .*--full"):
        store.article("000_27ae2b7c35e19781.txt")


def test_index_folder_that_cannot_be_written_is_a_one_line_error(
    built_seed: Settings, tmp_path: Path
) -> None:
    """The disk's errors (here: the index path is a file) are one line too, not a traceback."""
    blocker = tmp_path / "index"
    blocker.write_text("not a folder")
    settings = Settings.load(articles_dir=built_seed.articles_dir, index_dir=blocker)
    result = cli_run(["index", "-q"], settings)
    assert result.exit_code == 1
    assert result.output == f"Error: {blocker}: File exists\n"
