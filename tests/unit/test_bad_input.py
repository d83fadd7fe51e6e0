"""Bad input, nothing lost: odd article files are indexed correctly or skipped with a warning
naming the file (and line), never aborting the run; odd questions get a clear, safe response
from the library, the CLI and /ask; uploads never write outside the articles folder.

Here, what needs no model and no index; the rest: tests/index/test_bad_input.py,
tests/system/test_bad_input.py."""

from __future__ import annotations

from pathlib import Path

from support.bad_input import CAFE, GOOD, JAPANESE, WIDE, messy_folder, write

from askbrief.ingest.articles import read_folder


def test_messy_folder_is_read_file_by_file(tmp_path: Path) -> None:
    expected = messy_folder(tmp_path)
    result = read_folder(tmp_path)
    by_id = {a.id: a for a in result.articles}
    assert set(by_id) == {
        "good.txt",
        "cafe-cp1252.txt",
        "tokyo-sjis.txt",
        "wind-utf16.txt",
        "mostly-utf8.txt",
        "museum.html",
        "sub/deeper/note.md",
        "w1",
        "w5",
    }
    assert by_id["good.txt"].text == GOOD
    assert by_id["cafe-cp1252.txt"].text == CAFE
    assert by_id["tokyo-sjis.txt"].text == JAPANESE
    assert by_id["wind-utf16.txt"].text == WIDE
    assert "Trailing junk \ufffd byte." in by_id["mostly-utf8.txt"].text
    assert "Zoë Brontë" in by_id["mostly-utf8.txt"].text  # the rest kept its UTF-8 reading
    museum = by_id["museum.html"]
    assert museum.title == "Museum reopens its doors" and "900 paintings" in museum.text
    for leaked in ("alert", "cookie", "injected", "color: red", "Log in"):
        assert leaked not in museum.text
    assert by_id["w5"].text == "Line with\u2028a separator inside the mayor's speech."
    assert all("\n" not in w for w in result.warnings)
    for name, outcome in expected.items():
        if outcome == "indexed":
            assert not [w for w in result.warnings if f"/{name}:" in w], name
        else:
            named = [w for w in result.warnings if f"{tmp_path}/{name}" in w]
            assert named and outcome in named[0], (name, result.warnings)
    feed = [w for w in result.warnings if "feed.jsonl:" in w]
    for lineno, why in [(2, "not valid JSON"), (3, "not UTF-8"), (4, "expected a JSON object")]:
        assert any(f"feed.jsonl:{lineno}: {why}" in w for w in feed), feed
    assert any("feed.jsonl:6: missing 'id'" in w for w in feed)
    assert any("feed.jsonl:8: missing or empty 'text'" in w for w in feed)
    assert not any("pipe.txt" in w or "report.pdf" in w for w in result.warnings)


def test_upload_never_follows_a_symlink_planted_in_the_folder(tmp_path: Path) -> None:
    from askbrief.web.uploads import save_upload

    folder, outside = tmp_path / "articles", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    (folder / "story.txt").symlink_to(outside / "victim.txt")  # dangling, points outside
    src = write(tmp_path, "in.txt", GOOD)
    dest = save_upload(src, "story.txt", folder)
    assert dest == folder / "story-2.txt"
    assert not (outside / "victim.txt").exists() and list(outside.iterdir()) == []
