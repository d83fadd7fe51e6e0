"""Read article files into Articles, keeping each text exactly as the offsets will index it.

For .txt and .md the text is the whole decoded file (title line included, line endings
untouched), so a quote's [start, end) can be checked in any editor; their date is the one
their front matter or a dateline at the top states (dates.text_date). For .jsonl it is the
`text` field; for .html, the main text that trafilatura extracts (see `askbrief show`).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from askbrief.dates import front_matter, text_date
from askbrief.errors import ArticleError
from askbrief.records import Article
from askbrief.text import first_line

if TYPE_CHECKING:
    from askbrief.ingest.provenance import Uploads

FILE_FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
COLLECTION_FORMATS = {".jsonl": "jsonl"}
SUPPORTED_SUFFIXES = tuple(sorted(FILE_FORMATS) + sorted(COLLECTION_FORMATS))

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_MD_TITLE = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


@dataclass(frozen=True)
class ReadResult:
    articles: list[Article]
    warnings: list[str]


def read_folder(folder: Path, uploads: Uploads | None = None) -> ReadResult:
    """Every supported article under `folder`, recursively, in a stable order.

    A file that cannot be read becomes a warning naming it; the rest are still read. An
    article whose text repeats an earlier one (the same story saved twice) is indexed once,
    as the first in path order, so answers cite one copy and nothing is embedded twice.
    The articles of a file whose name and bytes `uploads` lists (provenance.provenance_for)
    carry who uploaded it and when.
    """
    articles: list[Article] = []
    warnings: list[str] = []
    ids: dict[str, str] = {}
    texts: dict[str, Article] = {}
    uploads = uploads or {}
    uploaded = {name for name, _ in uploads}
    for path in iter_article_files(folder, warnings):
        found, upload = _read_guarded(path, folder, warnings, uploaded)
        stamp = uploads.get(upload) if upload is not None else None
        for article in found:
            if stamp is not None:  # every article of an uploaded .jsonl gets the same
                article = replace(article, added_by=stamp[0], added_at=stamp[1])
            if article.id in ids:
                warnings.append(
                    f"{article.source_path}: article id {article.id!r} already used by "
                    f"{ids[article.id]}; skipped (give it a unique id)"
                )
                continue
            key = _text_key(article.text)
            if key in texts:
                first = texts[key]
                warnings.append(
                    f"{_where(article)}: same text as {_where(first)}; indexed once, "
                    f"cited as {first.id!r}"
                )
                continue
            ids[article.id] = article.source_path
            texts[key] = article
            articles.append(article)
    return ReadResult(articles, warnings)


def _read_guarded(
    path: Path, root: Path, warnings: list[str], uploaded: set[str]
) -> tuple[list[Article], tuple[str, str] | None]:
    """read_path, with any failure (even an unexpected one) a warning instead of an abort;
    and, for a file named in `uploaded`, (its name, the sha256 of the very bytes read)."""
    try:
        rel = path.relative_to(root).as_posix()
        data = _file_bytes(path)
        key = (rel, hashlib.sha256(data).hexdigest()) if rel in uploaded else None
        return list(_articles_in(data, path, root, warnings)), key
    except ArticleError as err:
        warnings.append(str(err))
    except Exception as err:  # one odd file must never stop the whole run
        warnings.append(f"{path}: could not be read ({type(err).__name__}: {err}); skipped")
    return [], None


def _text_key(text: str) -> str:
    """Duplicate key: the text with runs of white space collapsed (a CRLF copy is the same)."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8", "surrogatepass")).hexdigest()


def _where(article: Article) -> str:
    if article.format == "jsonl":
        return f"{article.source_path} (id {article.id!r})"
    return article.source_path


# The list of feeds `askbrief fetch` reads (feeds.py), at the top of the articles folder.
FEEDS_FILE = "feeds.txt"


def iter_article_files(folder: Path, warnings: list[str] | None = None) -> Iterator[Path]:
    """Supported files under `folder`, sorted by relative path. Symlinked folders are
    followed, but each real folder only once, so a symlink loop ends with a warning."""
    found: list[tuple[str, Path]] = []
    seen = {_real(folder)}
    notes = warnings if warnings is not None else []
    for top, dirs, files in os.walk(folder, followlinks=True, onerror=_walk_error(notes)):
        here = Path(top)
        dirs[:] = sorted(d for d in dirs if _enter(here / d, seen, notes))
        for name in files:
            path = here / name
            if name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            if here == folder and name == FEEDS_FILE:  # the feed list, not an article
                continue
            if path.is_file():  # not a FIFO, a device or a dangling link
                found.append((path.relative_to(folder).as_posix(), path))
            elif path.is_symlink():
                notes.append(f"{path}: broken or looping symlink; skipped")
    for _, path in sorted(found):
        yield path


def _real(path: Path) -> str:
    try:
        return os.path.realpath(path, strict=True)
    except (OSError, RuntimeError):
        return ""


def _enter(path: Path, seen: set[str], warnings: list[str]) -> bool:
    """Walk into this sub-folder? Not a hidden one, not one already walked (a loop)."""
    if path.name.startswith("."):
        return False
    real = _real(path)
    if not real:
        warnings.append(f"{path}: broken or looping symlink; skipped")
        return False
    if real in seen:
        warnings.append(f"{path}: symlink to a folder already read ({real}); skipped")
        return False
    seen.add(real)
    return True


def _walk_error(warnings: list[str]) -> Callable[[OSError], None]:
    def note(err: OSError) -> None:
        warnings.append(f"{err.filename}: cannot list folder ({err.strerror}); skipped")

    return note


def read_path(path: Path, root: Path, warnings: list[str] | None = None) -> Iterator[Article]:
    """Articles in one file; raises ArticleError for an unreadable or empty file."""
    yield from _articles_in(_file_bytes(path), path, root, warnings)


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise ArticleError(f"{path}: cannot read ({err.strerror}); skipped") from None


def _articles_in(
    data: bytes, path: Path, root: Path, warnings: list[str] | None = None
) -> Iterator[Article]:
    """The articles of one file's bytes, read as `path`'s suffix says."""
    suffix = path.suffix.lower()
    rel_id = path.relative_to(root).as_posix()
    shown = str(path)
    notes = warnings if warnings is not None else []
    if suffix in COLLECTION_FORMATS:
        yield from _read_jsonl(data, shown, notes)
        return
    text = decode(data, shown, notes)
    fmt = FILE_FORMATS[suffix]
    url = published = None
    if fmt == "html":
        title, text, url, published = _extract_html(text, shown)
    elif fmt == "md":
        match = _MD_TITLE.search(text)
        title = match.group(1).strip() if match else first_line(_after_front_matter(text))
        published = text_date(text)
    else:
        title = first_line(_after_front_matter(text))
        published = text_date(text)
    if not text.strip():
        raise ArticleError(f"{shown}: no text (empty or whitespace only); skipped")
    yield Article(
        id=rel_id,
        title=title or path.stem,
        text=text,
        source_path=shown,
        format=fmt,
        url=url,
        published=published,
    )


def decode(data: bytes, shown: str, warnings: list[str] | None = None) -> str:
    """Bytes to text: UTF-16 (BOM or evident from its zero bytes), else as `_eight_bit`
    decides (UTF-8, cp1252, U+FFFD for damaged bytes, or charset detection)."""
    if not data.strip():
        raise ArticleError(f"{shown}: file is empty; skipped")
    text = _utf16(data)
    if text is None:
        if b"\x00" in data:
            raise ArticleError(f"{shown}: looks like a binary file, not text; skipped")
        text = _eight_bit(data, shown, warnings if warnings is not None else [])
    sample = text[:20000]
    if len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise ArticleError(f"{shown}: looks like a binary file, not text; skipped")
    return text


def _utf16(data: bytes) -> str | None:
    """UTF-16 text: with a BOM, or without one when every other byte is mostly zero."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
    elif len(data) % 2 or len(data) < 4:
        return None
    elif data[1::2].count(0) > len(data) * 0.15 and not data[0::2].count(0):
        codec = "utf-16-le"
    elif data[0::2].count(0) > len(data) * 0.15 and not data[1::2].count(0):
        codec = "utf-16-be"
    else:
        return None
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


# Tuning of `_eight_bit`, on charset-normalizer's mess ratio (0 clean .. 1 garbled text).
_FEW_BAD_BYTES = 8  # fewer non-UTF-8 bytes than this: too little text to detect an encoding
_MESSY = 0.2  # charset-normalizer's own cut-off: a reading this messy is not text
_CLEARLY_CLEANER = 0.05  # how much cleaner another reading must be to beat cp1252
_ESCAPED = re.compile(r"[\udc80-\udcff]")  # bytes kept by the surrogateescape handler
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _eight_bit(data: bytes, shown: str, warnings: list[str]) -> str:
    """Text of a file without zero bytes. The first rule that applies decides:

    1. Valid UTF-8 (a UTF-8 BOM is dropped): UTF-8.
    2. A UTF-8 BOM, or more valid multi-byte UTF-8 characters than bad bytes: UTF-8 that
       was damaged; each bad byte becomes U+FFFD, with a warning giving the count.
    3. cp1252 (Western European, the usual legacy encoding of English-language news) when
       it defines every byte and its reading is clean text (charset-normalizer's mess ratio
       under 0.2), unless, with at least 8 bad bytes to judge by, charset-normalizer's best
       reading is clearly (0.05) cleaner and in another script (mostly Cyrillic, Greek,
       Hebrew, Arabic, CJK... letters). Another Latin code page (cp1250, cp1257, DOS, Mac)
       never beats a clean cp1252 reading: those differ in a few letters that the mess
       ratio cannot judge (a "™" or "•" in a short text scores as mess).
    4. Fewer than 8 bad bytes: damage, not an encoding (too little text to detect one, and
       0x81, 0x8D, 0x8F, 0x90, 0x9D, undefined in cp1252, can only be errors in English text):
       UTF-8 with U+FFFD and the warning.
    5. charset-normalizer's best reading (cp1251, Shift-JIS, cp1250 with Polish Ź...), else
       ArticleError.

    Known limits: a lone byte that cp1252 defines is read as that character, without a
    warning (b"caf\\xe9" is "café", but a stray 0xFF also becomes "ÿ"), and so is a word or
    two of cp1251 Cyrillic in English text. Central European or Turkish text whose bytes are
    all valid cp1252 (much Czech, Hungarian or Turkish) is read as cp1252: its letters have
    no tell-tale bytes, and charset-normalizer finds both readings equally clean.
    """
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    kept = body.decode("utf-8", errors="surrogateescape")
    replaced, bad = _ESCAPED.subn("\ufffd", kept)
    good = len(kept) - len(kept.encode("ascii", errors="ignore")) - bad
    if bom or good > bad:
        return _damaged_utf8(replaced, bad, shown, warnings)
    western, mess = _cp1252(body)
    if bad < _FEW_BAD_BYTES:
        return western if mess < _MESSY else _damaged_utf8(replaced, bad, shown, warnings)

    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if mess < _MESSY and (
        best is None or mess < best.chaos + _CLEARLY_CLEANER or not _other_script(str(best))
    ):
        return western
    if best is None or best.encoding is None:
        raise ArticleError(
            f"{shown}: not UTF-8 and the encoding could not be detected; skipped (save it as UTF-8)"
        )
    return str(best)


def _cp1252(data: bytes) -> tuple[str, float]:
    """The cp1252 reading and its mess ratio over the whole text (no early stop, so a messy
    first line cannot decide alone); 1.0 when a byte is undefined in cp1252."""
    from charset_normalizer.md import mess_ratio

    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return "", 1.0
    return text, mess_ratio(text, maximum_threshold=1.0)


def _other_script(text: str) -> bool:
    """Are most non-ASCII letters of the text not Latin (Cyrillic, Greek, CJK...)?"""
    letters = [ch for ch in _NON_ASCII.findall(text) if ch.isalpha()]
    latin = sum(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)
    return latin * 2 < len(letters)


def _damaged_utf8(text: str, bad: int, shown: str, warnings: list[str]) -> str:
    what = "1 byte that is" if bad == 1 else f"{bad} bytes that are"
    warnings.append(
        f"{shown}: {what} not valid UTF-8 replaced with U+FFFD; re-save the file as UTF-8"
    )
    return text


def _after_front_matter(text: str) -> str:
    """The text below its front matter, where the title line is ('---' is no title)."""
    front = front_matter(text)
    return text[front.end() :] if front else text


def extract_page(html: str | bytes, url: str | None = None) -> Any:
    """trafilatura's reading of a web page (text, title, url, date), the same for an .html
    file and a page a feed links to. The date comes only from the page's markup (meta tags,
    JSON-LD, time elements): htmldate's extensive search would guess one from any year in
    the text ('since 2020')."""
    import trafilatura

    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        favor_recall=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )


def _extract_html(html: str, shown: str) -> tuple[str, str, str | None, str | None]:
    """Title, text, canonical URL and publication date of a web page file."""
    doc = extract_page(html)
    if doc is None or not (doc.text or "").strip():
        raise ArticleError(f"{shown}: no article text found in the HTML; skipped")
    title = (doc.title or "").strip()
    return title or first_line(doc.text), doc.text, doc.url or None, doc.date or None


def _read_jsonl(data: bytes, shown: str, warnings: list[str]) -> Iterator[Article]:
    """One article per line. Lines are split on \\n only (JSON strings may hold U+2028) and
    decoded one by one, so a bad line costs that line, not the file."""
    if not data.strip():
        raise ArticleError(f"{shown}: file is empty; skipped")
    wide = _utf16(data)
    if wide is None and b"\x00" in data:
        raise ArticleError(f"{shown}: looks like a binary file, not JSON lines; skipped")
    lines: Sequence[str | bytes] = wide.split("\n") if wide is not None else data.split(b"\n")
    bad = _LineWarnings(shown, warnings)
    for lineno, raw in enumerate(lines, start=1):
        line = _jsonl_line(raw, lineno, bad)
        if line is None:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            bad.add(lineno, f"not valid JSON ({_json_problem(err)})")
            continue
        article = _jsonl_article(record, shown, lineno, bad)
        if article is not None:
            yield article
    bad.close()


def _json_problem(err: json.JSONDecodeError) -> str:
    """What is wrong and where: err.msg alone lacks the place ("Unterminated string starting
    at"), and str(err) gives a line and char that mean nothing for a one-line record."""
    what = err.msg.removesuffix(" at")
    return f"{what[:1].lower()}{what[1:]} at column {err.colno}"


def _jsonl_line(raw: str | bytes, lineno: int, bad: _LineWarnings) -> str | None:
    """The line as text, or None for a blank or undecodable one."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
        except UnicodeDecodeError:
            bad.add(lineno, "not UTF-8")
            return None
    return raw if raw.strip() else None


def _jsonl_article(record: object, shown: str, lineno: int, bad: _LineWarnings) -> Article | None:
    if not isinstance(record, dict):
        bad.add(lineno, "expected a JSON object")
        return None
    body = record.get("text")
    art_id = record.get("id")
    if not isinstance(body, str) or not body.strip():
        bad.add(lineno, "missing or empty 'text'")
        return None
    if isinstance(art_id, bool) or not isinstance(art_id, (str, int)) or not str(art_id).strip():
        bad.add(lineno, "missing 'id'")
        return None
    title = record.get("title")
    return Article(
        id=str(art_id),
        title=str(title).strip() if title else first_line(body),
        text=body,
        source_path=shown,
        format="jsonl",
        source=_opt_str(record.get("source")),
        url=_opt_str(record.get("url")),
        published=_opt_str(record.get("published")),
    )


class _LineWarnings:
    """A warning per bad line, up to a limit: a binary or foreign file named .jsonl gives a
    few lines of warnings and a count, not thousands."""

    LIMIT = 20

    def __init__(self, shown: str, warnings: list[str]) -> None:
        self.shown, self.warnings, self.count = shown, warnings, 0

    def add(self, lineno: int, why: str) -> None:
        self.count += 1
        if self.count <= self.LIMIT:
            self.warnings.append(f"{self.shown}:{lineno}: {why}; line skipped, fix or remove it")

    def close(self) -> None:
        if self.count > self.LIMIT:
            more = self.count - self.LIMIT
            self.warnings.append(f"{self.shown}: {more} more bad line(s) skipped")


def _opt_str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
