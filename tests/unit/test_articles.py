"""Reading article files: titles, exact texts, and one-line warnings for bad input."""

from __future__ import annotations

import json
from pathlib import Path

from support.common import DATA, SEED_FILE

from askbrief.ingest.articles import read_folder, read_path


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def test_seed_article_text_is_the_whole_file(tmp_path: Path) -> None:
    write(tmp_path, SEED_FILE.name, SEED_FILE.read_bytes())
    result = read_folder(tmp_path)
    (article,) = result.articles
    assert article.id == SEED_FILE.name
    assert article.text == SEED_FILE.read_bytes().decode("utf-8")
    assert article.title.startswith("Russia rejects ceasefire talks with Ukraine")
    assert result.warnings == []


def test_txt_keeps_crlf_and_takes_first_nonempty_line_as_title(tmp_path: Path) -> None:
    write(tmp_path, "sub/a.txt", b"\r\n  Headline here  \r\nBody line one.\r\n")
    (article,) = read_folder(tmp_path).articles
    assert article.id == "sub/a.txt"
    assert article.title == "Headline here"
    assert article.text == "\r\n  Headline here  \r\nBody line one.\r\n"


def test_markdown_title_is_first_heading(tmp_path: Path) -> None:
    write(tmp_path, "b.md", "Intro line\n\n# The Real Title #\n\nText of the story.\n")
    (article,) = read_folder(tmp_path).articles
    assert article.title == "The Real Title"
    assert article.format == "md"


def test_html_main_text_without_scripts_or_navigation(tmp_path: Path) -> None:
    src = DATA / "corpus" / "chess.html"
    write(tmp_path, "chess.html", src.read_bytes())
    (article,) = read_folder(tmp_path).articles
    assert article.title == "Teen wins national chess title"
    assert "Amara Okafor won the national chess championship" in article.text
    assert "window.tracking" not in article.text
    assert "color: red" not in article.text
    assert "Log in" not in article.text


def test_jsonl_one_article_per_line_bad_lines_reported(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "x1", "title": "One", "text": "First text.", "source": "wire"}),
        "{not json",
        json.dumps({"id": "x2", "text": ""}),
        json.dumps({"title": "no id", "text": "Some text."}),
        json.dumps({"id": "x3", "text": "Third text.", "published": "2024-01-02"}),
    ]
    write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    result = read_folder(tmp_path)
    assert [a.id for a in result.articles] == ["x1", "x3"]
    assert result.articles[0].source == "wire"
    assert result.articles[1].published == "2024-01-02"
    assert len(result.warnings) == 3
    assert any("feed.jsonl:2:" in w and "not valid JSON" in w for w in result.warnings)
    assert any("feed.jsonl:3:" in w and "text" in w for w in result.warnings)
    assert any("feed.jsonl:4:" in w and "id" in w for w in result.warnings)


def test_bad_files_are_skipped_with_a_warning_naming_them(tmp_path: Path) -> None:
    write(tmp_path, "good.txt", "Good title\nA fine sentence about news.\n")
    write(tmp_path, "empty.txt", b"")
    write(tmp_path, "blank.md", "   \n\t\n")
    write(tmp_path, "binary.txt", bytes(range(256)) * 4)
    write(tmp_path, "notes.pdf", b"%PDF-1.4 ignored: unsupported suffix")
    write(tmp_path, ".hidden.txt", "Hidden\nNot read.\n")
    result = read_folder(tmp_path)
    assert [a.id for a in result.articles] == ["good.txt"]
    joined = "\n".join(result.warnings)
    for name in ("empty.txt", "blank.md", "binary.txt"):
        assert name in joined
    assert all("\n" not in w for w in result.warnings)


def test_legacy_encodings_are_decoded(tmp_path: Path) -> None:
    text = "Café société\nLe président a déclaré que la réforme est nécessaire pour l'économie.\n"
    wide = text.replace("Café", "Le café")  # the same text twice would be indexed once
    write(tmp_path, "latin.txt", text.encode("cp1252"))
    write(tmp_path, "wide.txt", wide.encode("utf-16"))
    articles = {a.id: a for a in read_folder(tmp_path).articles}
    assert articles["latin.txt"].text == text
    assert articles["wide.txt"].text == wide


def test_duplicate_ids_across_jsonl_files_keep_the_first(tmp_path: Path) -> None:
    write(tmp_path, "a.jsonl", json.dumps({"id": "same", "text": "From a."}) + "\n")
    write(tmp_path, "b.jsonl", json.dumps({"id": "same", "text": "From b."}) + "\n")
    result = read_folder(tmp_path)
    assert [a.text for a in result.articles] == ["From a."]
    assert "already used" in result.warnings[0]


def test_bad_jsonl_line_warning_is_complete(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "x1", "text": "First text."}),
        json.dumps({"id": "x2", "text": "Second text."}),
        '{"id": "x3", "text": "unterminated',
        '{"id": "x4", "text": "trailing comma",}',
    ]
    path = write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    result = read_folder(tmp_path)
    assert [a.id for a in result.articles] == ["x1", "x2"]
    assert result.warnings == [
        f"{path}:3: not valid JSON (unterminated string starting at column 22); "
        "line skipped, fix or remove it",
        f"{path}:4: not valid JSON (expecting property name enclosed in double quotes at "
        "column 39); line skipped, fix or remove it",
    ]
    notes: list[str] = []
    assert [a.id for a in read_path(path, tmp_path, notes)] == ["x1", "x2"]
    assert notes == result.warnings
