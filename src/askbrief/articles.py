"""Read article files into Articles, keeping each text exactly as the offsets will index it.

For .txt and .md the text is the whole decoded file (title line included, line endings
untouched), so a quote's [start, end) can be checked in any editor. For .jsonl it is the
`text` field; for .html, the main text that trafilatura extracts (see `askbrief show`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ArticleError
from .records import Article

FILE_FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
COLLECTION_FORMATS = {".jsonl": "jsonl"}
SUPPORTED_SUFFIXES = tuple(sorted(FILE_FORMATS) + sorted(COLLECTION_FORMATS))

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_MD_TITLE = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


@dataclass(frozen=True)
class ReadResult:
    articles: list[Article]
    warnings: list[str]


def read_folder(folder: Path) -> ReadResult:
    """Every supported article under `folder`, recursively, in a stable order.

    A file that cannot be read becomes a warning naming it; the rest are still read.
    """
    articles: list[Article] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for path in iter_article_files(folder):
        try:
            found = list(read_path(path, folder, warnings))
        except ArticleError as err:
            warnings.append(str(err))
            continue
        for article in found:
            if article.id in seen:
                warnings.append(
                    f"{article.source_path}: article id {article.id!r} already used by "
                    f"{seen[article.id]}; skipped (give it a unique id)"
                )
                continue
            seen[article.id] = article.source_path
            articles.append(article)
    return ReadResult(articles, warnings)


def iter_article_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path


def read_path(path: Path, root: Path, warnings: list[str] | None = None) -> Iterator[Article]:
    """Articles in one file; raises ArticleError for an unreadable or empty file."""
    suffix = path.suffix.lower()
    rel_id = path.relative_to(root).as_posix()
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ArticleError(f"{shown}: cannot read ({err.strerror}); skipped") from None
    text = decode(data, shown)
    if suffix in COLLECTION_FORMATS:
        yield from _read_jsonl(text, shown, warnings if warnings is not None else [])
        return
    fmt = FILE_FORMATS[suffix]
    if fmt == "html":
        title, text = _extract_html(text, shown)
    elif fmt == "md":
        match = _MD_TITLE.search(text)
        title = match.group(1).strip() if match else _first_line(text)
    else:
        title = _first_line(text)
    if not text.strip():
        raise ArticleError(f"{shown}: no text (empty or whitespace only); skipped")
    yield Article(id=rel_id, title=title or path.stem, text=text, source_path=shown, format=fmt)


def decode(data: bytes, shown: str) -> str:
    """Bytes to text: UTF-8 (BOM dropped), UTF-16 with a BOM, else charset detection."""
    if not data.strip():
        raise ArticleError(f"{shown}: file is empty; skipped")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _detect(data, shown)
    if b"\x00" in data or len(_CONTROL.findall(text[:20000])) > max(8, len(text[:20000]) // 100):
        raise ArticleError(f"{shown}: looks like a binary file, not text; skipped")
    return text


def _detect(data: bytes, shown: str) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise ArticleError(
            f"{shown}: not UTF-8 and the encoding could not be detected; "
            "save it as UTF-8 and re-run"
        )
    return str(best)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _extract_html(html: str, shown: str) -> tuple[str, str]:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, favor_recall=True
    )
    text = (doc.text if doc is not None else "") or ""
    if not text.strip():
        raise ArticleError(f"{shown}: no article text found in the HTML; skipped")
    title = (doc.title or "").strip() if doc is not None else ""
    return title or _first_line(text), text


def _read_jsonl(text: str, shown: str, warnings: list[str]) -> Iterator[Article]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            warnings.append(f"{shown}:{lineno}: not valid JSON ({err.msg}); line skipped")
            continue
        if not isinstance(record, dict):
            warnings.append(f"{shown}:{lineno}: expected a JSON object; line skipped")
            continue
        body = record.get("text")
        art_id = record.get("id")
        if not isinstance(body, str) or not body.strip():
            warnings.append(f"{shown}:{lineno}: missing or empty 'text'; line skipped")
            continue
        if not isinstance(art_id, (str, int)) or str(art_id).strip() == "":
            warnings.append(f"{shown}:{lineno}: missing 'id'; line skipped")
            continue
        title = record.get("title")
        yield Article(
            id=str(art_id),
            title=str(title).strip() if title else _first_line(body),
            text=body,
            source_path=shown,
            format="jsonl",
            source=_opt_str(record.get("source")),
            url=_opt_str(record.get("url")),
            published=_opt_str(record.get("published")),
        )


def _opt_str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
