"""Bad input, nothing lost: odd article files are indexed correctly or skipped with a warning
naming the file (and line), never aborting the run; odd questions get a clear, safe response
from the library, the CLI and /ask; uploads never write outside the articles folder.

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/system/test_bad_input.py, tests/unit/test_bad_input.py."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.bad_input import CAFE, GOOD, HTML, ODD_QUESTIONS, WIDE, check_answer, write
from support.common import SEED_FILE, SEEDS, CountingEmbedder
from support.web import seeded_settings

from askbrief import Index, Settings, build_index
from askbrief.cli.main import cli
from askbrief.errors import AskbriefError
from askbrief.ingest.articles import read_folder
from askbrief.store.faiss.read import FaissStore


def test_duplicate_becomes_indexed_when_the_canonical_copy_goes(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    folder = tmp_path / "articles"
    write(folder, "a.txt", GOOD)
    write(folder, "b.txt", GOOD)
    settings = Settings.load(articles_dir=folder, index_dir=tmp_path / "index")
    first = build_index(settings, embedder)
    assert first.articles == 1 and "b.txt: same text as" in first.warnings[0]
    (folder / "a.txt").unlink()
    second = build_index(settings, embedder)
    assert (second.added, second.removed, second.articles) == (1, 1, 1)
    assert FaissStore(settings.location).article_ids() == ["b.txt"]


def test_file_that_vanishes_mid_run_is_skipped(
    tmp_path: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import askbrief.ingest.articles

    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    write(folder, "gone.txt", GOOD)
    listed = askbrief.ingest.articles.iter_article_files

    def list_then_delete(root: Path, warnings: Any = None) -> Iterator[Path]:
        paths = list(listed(root, warnings))
        (folder / "gone.txt").unlink()  # deleted after listing, before reading
        yield from paths

    monkeypatch.setattr(askbrief.ingest.articles, "iter_article_files", list_then_delete)
    settings = Settings.load(articles_dir=folder, index_dir=tmp_path / "index")
    report = build_index(settings, embedder)
    assert report.articles == 1
    assert any(f"{folder}/gone.txt: cannot read (No such file" in w for w in report.warnings)


def test_unreadable_file_and_folder_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Permissions are simulated: the suite runs as root, which chmod does not stop."""
    write(tmp_path, "ok.txt", GOOD)
    locked = write(tmp_path, "locked.txt", CAFE)
    (tmp_path / "private").mkdir()
    write(tmp_path, "private/x.txt", WIDE)
    real_read, real_scandir = Path.read_bytes, os.scandir

    def read_bytes(self: Path) -> bytes:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    def scandir(path: Any = ".") -> Any:
        if Path(path) == tmp_path / "private":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(os, "scandir", scandir)
    result = read_folder(tmp_path)
    assert [a.id for a in result.articles] == ["ok.txt"]
    assert f"{locked}: cannot read (Permission denied); skipped" in result.warnings
    assert any("private: cannot list folder (Permission denied)" in w for w in result.warnings)


def test_a_crash_inside_one_reader_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trafilatura

    write(tmp_path, "ok.txt", GOOD)
    write(tmp_path, "odd.html", HTML)

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(trafilatura, "bare_extraction", explode)
    result = read_folder(tmp_path)
    assert [a.id for a in result.articles] == ["ok.txt"]
    assert any("odd.html: could not be read (RecursionError" in w for w in result.warnings)


@pytest.mark.parametrize("case", list(ODD_QUESTIONS))
def test_odd_questions_through_the_library(
    case: str, seeded: Settings, embedder: CountingEmbedder
) -> None:
    question, error = ODD_QUESTIONS[case]
    idx = Index(seeded, embedder)
    if error:
        with pytest.raises(AskbriefError, match=error) as err:
            idx.ask(question)
        assert "\n" not in str(err.value)
    else:
        check_answer(idx.ask(question).to_dict(), SEED_FILE.read_text(encoding="utf-8"))


def test_odd_questions_through_the_cli(
    seeded: Settings, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import askbrief.ask.index

    monkeypatch.setattr(askbrief.ask.index, "Embedder", lambda: embedder)
    env = {"ASKBRIEF_INDEX_DIR": str(seeded.location.path)}
    text = SEED_FILE.read_text(encoding="utf-8")
    for case, (question, error) in ODD_QUESTIONS.items():
        plain = CliRunner().invoke(cli, ["query", question], env=env, catch_exceptions=False)
        as_json = CliRunner().invoke(
            cli, ["query", "--json", question], env=env, catch_exceptions=False
        )
        if error:
            for result in (plain, as_json):
                assert result.exit_code == 1, case
                assert result.output.count("\n") == 1 and error in result.output, case
        else:
            assert plain.exit_code == 0 and as_json.exit_code == 0, case
            assert plain.output.startswith(("[1] ", "The articles don't answer this.")), case
            check_answer(json.loads(as_json.output), text)


def test_rejected_uploads_say_why_and_save_nothing(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    from askbrief.ingest.provenance import UPLOAD_LOG, read_log
    from askbrief.web.blocks import Backend, make_add_articles

    settings = seeded_settings(tmp_path, embedder)
    before = sorted(settings.articles_dir.iterdir())
    incoming = tmp_path / "incoming"
    paths = [
        write(incoming, "tool.exe", b"MZ\x90\x00binary"),
        write(incoming, "slides.pdf", b"%PDF-1.7"),
        write(incoming, "empty.txt", b""),
        write(incoming, "noise.txt", bytes(range(256)) * 4),
    ]
    *_, (log, _, _) = make_add_articles(Backend(settings, embedder))([str(p) for p in paths])
    # nothing saved; only the upload log (and its lock) now say what was refused, and why
    logged = {p for p in settings.articles_dir.iterdir() if p.name.startswith(UPLOAD_LOG)}
    assert sorted(set(settings.articles_dir.iterdir()) - logged) == before
    refused = read_log(settings.articles_dir)
    assert [r.file for r in refused] == [p.name for p in paths]
    assert not any(r.accepted or r.saved_as for r in refused)
    assert log.count("rejected") == 4
    for reason in ("not a supported article file", "file is empty", "binary"):
        assert reason in log
