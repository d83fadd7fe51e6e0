"""Faults: `askbrief index` killed at every phase of a build, and damaged indexes detected on
open with a one-line error that says to run `askbrief index --full`, which then recovers.

Builds are killed for real (SIGKILL to an `askbrief index` process). The indexer's test hook
ASKBRIEF_TEST_PAUSE_AT=<phase> makes it announce the phase on stderr and wait there, so the
kill lands at a known point instead of at a lucky moment.

Here, what needs a server, a child process or a slow build; the rest: tests/unit/test_faults.py.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.common import SEED_Q, SEEDS, VOLCANO, VOLCANO_Q, CountingEmbedder
from support.processes import ASKBRIEF, child_env, kill, start_index, wait_for_line

from askbrief import Index, Settings, build_index
from askbrief.cli.main import cli
from askbrief.errors import IndexMismatchError
from askbrief.store.faiss.read import CURRENT, FaissStore, current_generation, generations


def fresh_copy(src: Settings, dest: Path) -> Settings:
    shutil.copytree(src.articles_dir, dest / "articles")
    shutil.copytree(src.location.path, dest / "index")
    return Settings.load(articles_dir=dest / "articles", index_dir=dest / "index")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Settings:
    """The seed article indexed once; each test works on its own copy."""
    root = tmp_path_factory.mktemp("faults")
    shutil.copytree(SEEDS, root / "articles")
    settings = Settings.load(articles_dir=root / "articles", index_dir=root / "index")
    build_index(settings, embedder)
    return settings


def cites_volcano(settings: Settings, embedder: CountingEmbedder) -> bool:
    answer = Index(settings, embedder).ask(VOLCANO_Q)
    return any(q.article_id == "volcano.txt" for q in answer.quotes)


def assert_sound(settings: Settings, embedder: CountingEmbedder) -> None:
    """Opens cleanly, answers with exact spans, and no scratch or stray generation is left."""
    store = FaissStore(settings.location)
    answer = Index(settings, embedder).ask(SEED_Q)
    assert answer.answered
    for q in answer.quotes:
        assert store.article(q.article_id).text[q.start : q.end] == q.text
    assert len(generations(settings.location.path)) <= 2


# ---------------------------------------------------------------- killed builds


@pytest.mark.parametrize("phase", ["locked", "embedding", "writing", "publishing", "published"])
def test_killed_build_leaves_previous_index_usable(
    phase: str, built: Settings, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    settings = fresh_copy(built, tmp_path)
    (settings.articles_dir / "volcano.txt").write_text(VOLCANO)
    before = (settings.location.path / CURRENT).read_text()
    proc = start_index(settings, ASKBRIEF_TEST_PAUSE_AT=phase)
    wait_for_line(proc, f"test pause at {phase}")
    kill(proc)

    finished = phase == "published"  # CURRENT was already switched: the new index is live
    assert ((settings.location.path / CURRENT).read_text() == before) is not finished
    assert_sound(settings, embedder)
    assert cites_volcano(settings, embedder) is finished

    report = build_index(settings, embedder)  # the next build cleans up and completes
    assert (report.added, report.passages_embedded > 0) == ((0, False) if finished else (1, True))
    assert cites_volcano(settings, embedder)
    assert list(settings.location.path.glob(".tmp-*")) == []
    assert_sound(settings, embedder)


def test_askbrief_index_completes_after_repeated_kills(
    built: Settings, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """Killed while embedding, killed again with a generation half published, then a plain
    `askbrief index` finishes the job from whatever the two left behind."""
    settings = fresh_copy(built, tmp_path)
    (settings.articles_dir / "volcano.txt").write_text(VOLCANO)
    for phase in ("embedding", "publishing"):
        proc = start_index(settings, ASKBRIEF_TEST_PAUSE_AT=phase)
        wait_for_line(proc, f"test pause at {phase}")
        kill(proc)
    assert not cites_volcano(settings, embedder)
    done = subprocess.run(
        [str(ASKBRIEF), "index", "-q"], env=child_env(settings), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("added 1, ")  # (the copied seed counts as updated: new path)
    assert cites_volcano(settings, embedder)
    assert_sound(settings, embedder)
    assert list(settings.location.path.glob(".tmp-*")) == []


# ---------------------------------------------------------------- damaged indexes


def _truncate(name: str, size: int) -> Callable[[Path, Path], None]:
    def damage(gen: Path, root: Path) -> None:
        os.truncate(gen / name, size)

    return damage


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
    "truncated dense.faiss": (_truncate("dense.faiss", 100), "dense.faiss is damaged"),
    "emptied dense.faiss": (_truncate("dense.faiss", 0), "dense.faiss is damaged"),
    "deleted dense.faiss": (_delete("dense.faiss"), "dense.faiss is missing"),
    "flipped bytes in dense.faiss": (
        _overwrite("dense.faiss", 2000, b"\xff\xff"),
        "dense.faiss is damaged (checksum",
    ),
    "truncated sentences.faiss": (_truncate("sentences.faiss", 64), "sentences.faiss is damaged"),
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
    case: str, built: Settings, tmp_path: Path, use_session_model: None
) -> None:
    settings = fresh_copy(built, tmp_path)
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


def test_damaged_index_in_a_real_process_prints_one_line(built: Settings, tmp_path: Path) -> None:
    settings = fresh_copy(built, tmp_path)
    gen = current_generation(settings.location.path)
    _truncate("dense.faiss", 100)(gen, settings.location.path)
    for command in (["stats"], ["query", SEED_Q]):
        out = subprocess.run(
            [str(ASKBRIEF), *command], env=child_env(settings), capture_output=True, text=True
        )
        assert out.returncode == 1 and out.stdout == ""
        assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
        assert out.stderr.startswith("Error: ") and "askbrief index --full" in out.stderr


def test_incremental_build_refuses_a_damaged_index_with_the_same_hint(
    built: Settings, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    settings = fresh_copy(built, tmp_path)
    _overwrite("sentences.faiss", 3000, b"\x00" * 8)(
        current_generation(settings.location.path), settings.location.path
    )
    with pytest.raises(IndexMismatchError, match="sentences.faiss is damaged.*--full"):
        build_index(settings, embedder)
    assert list(settings.location.path.glob(".tmp-*")) == []
    assert build_index(settings, embedder, full=True).added == 1


def test_open_index_keeps_answering_when_current_is_garbled(
    built: Settings, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """A running app holds its open generation; a garbled pointer does not take it down."""
    settings = fresh_copy(built, tmp_path)
    idx = Index(settings, embedder)
    (settings.location.path / CURRENT).write_bytes(b"\xff garbage")
    assert idx.ask(SEED_Q).answered


def test_database_damaged_after_open_is_a_one_line_error(
    built: Settings, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """Damage that appears while the index is open surfaces as the same kind of error."""
    settings = fresh_copy(built, tmp_path)
    store = FaissStore(settings.location)
    store.db.close()
    store.db = sqlite3.connect(":memory:", check_same_thread=False)  # tables gone
    with pytest.raises(IndexMismatchError, match="metadata database .*--full"):
        store.article("000_27ae2b7c35e19781.txt")


def test_index_folder_that_cannot_be_written_is_a_one_line_error(
    built: Settings, tmp_path: Path
) -> None:
    """The disk's errors (here: the index path is a file) are one line too, not a traceback."""
    blocker = tmp_path / "index"
    blocker.write_text("not a folder")
    settings = Settings.load(articles_dir=built.articles_dir, index_dir=blocker)
    result = cli_run(["index", "-q"], settings)
    assert result.exit_code == 1
    assert result.output == f"Error: {blocker}: File exists\n"
