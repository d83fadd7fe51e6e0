"""Who added an article through the web UI: the upload log, provenance attached at build time
and kept in both stores, shown by `askbrief show` and in the source panel.

Here, what needs a server, a child process or a slow build; the rest:
tests/unit/test_provenance.py."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.common import SEED_FILE, STORES, CountingEmbedder, store_at
from support.provenance import AT, SHOWN, STORY, refused, uploaded

from askbrief import Index, Settings, build_index
from askbrief.cli.main import cli
from askbrief.store.base import open_store
from askbrief.store.faiss.read import META_DB, current_generation
from askbrief.store.manifest import MANIFEST, file_digests

HANDMADE = (
    "Library extends opening hours\n"
    "The city library will stay open until nine in the evening from March.\n"
)
WIRE = [
    {"id": "w-1", "title": "Bridge reopens", "text": "The old bridge reopened to cyclists."},
    {"id": "w-2", "title": "Market moves", "text": "The Sunday market moved to the square."},
]


# ---------------------------------------------------------------- build, both stores


@pytest.mark.parametrize("kind", STORES)
def test_build_keeps_who_added_each_article(
    tmp_path: Path, counting: CountingEmbedder, kind: str
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    (folder / "handmade.txt").write_text(HANDMADE, encoding="utf-8")
    lines = "".join(json.dumps(r) + "\n" for r in WIRE)
    (folder / "wire.jsonl").write_text(lines, encoding="utf-8")
    (folder / "edited.txt").write_text("Edited later\nThe first version of a story.\n")
    uploaded(folder, "story.txt")
    uploaded(folder, "wire.jsonl", user=None)
    uploaded(folder, "edited.txt", user="eve")
    refused(folder, "handmade.txt", "too large")  # refused: no provenance from it
    # edited by hand after its upload: no longer the bytes eve sent
    (folder / "edited.txt").write_text("Edited later\nA second version, typed by hand.\n")

    s = Settings.load(articles_dir=folder, store=store_at(tmp_path, kind))
    build_index(s, counting)
    store = open_store(s)
    try:
        got = {a: store.article(a) for a in store.article_ids()}
        listed = {e.id: (e.added_by, e.added_at) for e in store.catalog()}
    finally:
        store.close()
    added = {a: (x.added_by, x.added_at) for a, x in got.items() if x is not None}
    assert added == {
        "story.txt": ("alice", AT),
        "w-1": (None, AT),  # every article of an uploaded .jsonl, without sign-in
        "w-2": (None, AT),
        "handmade.txt": (None, None),
        "edited.txt": (None, None),
    }
    assert listed == added
    assert got["story.txt"] is not None and got["story.txt"].text == STORY


@pytest.mark.parametrize("kind", STORES)
def test_provenance_that_comes_later_or_goes_is_stored_on_the_next_build(
    tmp_path: Path, counting: CountingEmbedder, kind: str
) -> None:
    """An article indexed before its upload was logged (a build racing the upload) gets its
    provenance on the next build, and loses it when its file is edited by hand; each time
    only that article is embedded again, and the others keep their hashes."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    (folder / "handmade.txt").write_text(HANDMADE, encoding="utf-8")
    s = Settings.load(articles_dir=folder, store=store_at(tmp_path, kind))
    build_index(s, counting)

    def state() -> tuple[str | None, str | None]:
        store = open_store(s)
        try:
            found = store.article("story.txt")
        finally:
            store.close()
        assert found is not None
        return found.added_by, found.added_at

    assert state() == (None, None)
    uploaded(folder, "story.txt")
    counting.reset()
    report = build_index(s, counting)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    assert {t.split("\n\n", 1)[0] for t in counting.embedded} == {"Harbor ferry resumes service"}
    assert state() == ("alice", AT)

    again = build_index(s, counting)
    assert (again.updated, again.unchanged) == (0, 2)
    assert state() == ("alice", AT)

    with open(folder / "story.txt", "a", encoding="utf-8") as fh:
        fh.write("A correction was added by hand.\n")
    edited = build_index(s, counting)
    assert (edited.updated, edited.unchanged) == (1, 1)
    assert state() == (None, None)


def _make_old_format(index_dir: Path) -> None:
    """Turn the current generation into one written before provenance: no such columns,
    and a manifest whose checksums match, as the earlier askbrief wrote them."""
    gen = current_generation(index_dir)
    assert gen is not None
    db = sqlite3.connect(gen / META_DB)
    db.execute("ALTER TABLE articles DROP COLUMN added_by")
    db.execute("ALTER TABLE articles DROP COLUMN added_at")
    db.commit()
    db.execute("VACUUM")
    db.close()
    manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"] = file_digests(gen)
    (gen / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def test_an_index_from_before_provenance_answers_and_updates_without_a_rebuild(
    tmp_path: Path, counting: CountingEmbedder
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEED_FILE, folder)
    s = Settings.load(articles_dir=folder, store=store_at(tmp_path, "faiss"))
    build_index(s, counting)
    _make_old_format(s.location.path)
    gen = current_generation(s.location.path)
    assert gen is not None
    db = sqlite3.connect(gen / META_DB)
    assert "added_by" not in {r[1] for r in db.execute("PRAGMA table_info(articles)")}
    db.close()

    idx = Index(s, counting)
    try:
        answer = idx.ask("What did Lavrov call a ceasefire?")
        assert answer.answered
        old = idx.store.article(SEED_FILE.name)
        assert old is not None and (old.added_by, old.added_at) == (None, None)
        assert [e.added_by for e in idx.store.catalog()] == [None]
    finally:
        idx.store.close()

    # an incremental build on top: the old article is kept as it is, the upload is added
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    uploaded(folder, "story.txt")
    counting.reset()
    report = build_index(s, counting)
    assert (report.added, report.updated, report.unchanged) == (1, 0, 1)
    assert {t.split("\n\n", 1)[0] for t in counting.embedded} == {"Harbor ferry resumes service"}
    store = open_store(s)
    try:
        story = store.article("story.txt")
        assert story is not None and story.added_by == "alice"
        seed = store.article(SEED_FILE.name)
        assert seed is not None and seed.added_by is None
    finally:
        store.close()


# ---------------------------------------------------------------- askbrief show


@pytest.mark.parametrize("kind", STORES)
def test_show_says_who_added_it_on_stderr_and_keeps_stdout_exact(
    tmp_path: Path, embedder: CountingEmbedder, kind: str
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    raw = STORY.replace("\n", "\r\n").encode("utf-8")  # bytes that must come back unchanged
    (folder / "story.txt").write_bytes(raw)
    (folder / "handmade.txt").write_text(HANDMADE, encoding="utf-8")
    uploaded(folder, "story.txt")
    where = store_at(tmp_path, kind)
    build_index(Settings.load(articles_dir=folder, store=where), embedder)
    env = {"ASKBRIEF_ARTICLES_DIR": str(folder), "ASKBRIEF_STORE": where, "HF_HUB_OFFLINE": "1"}

    shown = CliRunner().invoke(cli, ["show", "story.txt"], env=env, catch_exceptions=False)
    assert shown.exit_code == 0
    assert shown.stdout_bytes == raw
    assert shown.stderr == SHOWN + "\n"
    plain = CliRunner().invoke(cli, ["show", "handmade.txt"], env=env, catch_exceptions=False)
    assert plain.stdout == HANDMADE and plain.stderr == ""

    data = json.loads(
        CliRunner().invoke(cli, ["show", "--json", str(folder / "story.txt")], env=env).stdout
    )
    assert (data["id"], data["added_by"], data["added_at"]) == ("story.txt", "alice", AT)
    assert data["text"].encode("utf-8") == raw
    other = json.loads(CliRunner().invoke(cli, ["show", "--json", "handmade.txt"], env=env).stdout)
    assert (other["added_by"], other["added_at"]) == (None, None)
    listed = CliRunner().invoke(cli, ["articles", "--json"], env=env).stdout.splitlines()
    assert {json.loads(x)["id"]: json.loads(x)["added_by"] for x in listed} == {
        "story.txt": "alice",
        "handmade.txt": None,
    }
