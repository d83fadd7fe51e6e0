"""Uploads for the web UI: save a browser's files into the articles folder safely, then
update the index in a background thread while the chat keeps answering.

Kept apart from the Gradio wiring (editing.py) so the rules that guard the disk are tested on
their own; gradio is never imported here. Messages are plain text: the caller escapes them.
"""

from __future__ import annotations

import contextlib
import queue
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from askbrief.errors import ArticleError, AskbriefError
from askbrief.ingest.articles import SUPPORTED_SUFFIXES, read_path
from askbrief.ingest.provenance import UploadRecord, log_upload, now_utc, sha256_file
from askbrief.records import BuildReport

if TYPE_CHECKING:
    from askbrief.ingest.prepare import Progress

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 120
UPDATE_THREAD = "askbrief-index-update"
# Letters and digits of any script, then only space _ - . , ( ) +; no separators, no controls.
_SAFE_NAME = re.compile(r"[^\W_][\w .,()+-]*")


class UploadRejected(ValueError):
    """An uploaded file that is not saved; the message says why, naming the file."""


def safe_name(name: str) -> str:
    """The bare file name an upload may be saved under, or UploadRejected saying why not."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    shown = repr(base) if base else "(no name)"
    if not base or ".." in base:
        raise UploadRejected(f"{shown}: file names may not be empty or contain '..'")
    if base.startswith("."):
        raise UploadRejected(f"{shown}: hidden files (names starting with '.') are not accepted")
    if Path(base).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UploadRejected(
            f"{shown}: not a supported article file; use {' '.join(SUPPORTED_SUFFIXES)}"
        )
    if len(base) > MAX_NAME_CHARS:
        raise UploadRejected(f"{shown}: name is longer than {MAX_NAME_CHARS} characters")
    if not _SAFE_NAME.fullmatch(base):
        raise UploadRejected(
            f"{shown}: name has unusual characters; use letters, digits, spaces and - _ . , ( ) +"
        )
    return base


def save_upload(src: Path, name: str, folder: Path) -> Path:
    """Copy one uploaded file into `folder` under a safe, new name; never outside `folder`,
    never over an existing file. Raises UploadRejected for anything it will not save."""
    base = safe_name(name)
    size = src.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise UploadRejected(
            f"{base!r}: {size / 1e6:.1f} MB is over the {MAX_UPLOAD_BYTES // 2**20} MB limit"
        )
    data = src.read_bytes()
    _check_readable(data, base)
    folder.mkdir(parents=True, exist_ok=True)
    return _write_new(folder.resolve(), base, data)


def _check_readable(data: bytes, base: str) -> None:
    """Read it as the indexer will, from a scratch copy, so bad files are refused up front."""
    with tempfile.TemporaryDirectory(prefix="askbrief-upload-") as tmp:
        probe = Path(tmp) / base
        probe.write_bytes(data)
        try:
            found = list(read_path(probe, Path(tmp), []))
        except ArticleError as err:
            reason = str(err).replace(str(probe), repr(base)).removesuffix("; skipped")
            raise UploadRejected(reason) from None
    if not found:
        raise UploadRejected(f"{base!r}: no articles found in it")


def _write_new(folder: Path, base: str, data: bytes) -> Path:
    """Exclusive create: a taken name gets -2, -3, … rather than overwriting anything."""
    stem, suffix = Path(base).stem, Path(base).suffix
    for i in range(1, 10_000):
        candidate = folder / (base if i == 1 else f"{stem}-{i}{suffix}")
        if candidate.parent != folder:  # belt and braces: safe_name already ensures this
            raise UploadRejected(f"{base!r}: refusing to write outside the articles folder")
        try:
            with open(candidate, "xb") as fh:
                fh.write(data)
            return candidate
        except FileExistsError:
            continue
    raise UploadRejected(f"{base!r}: too many files with this name already")


@dataclass
class SaveResult:
    saved: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # one plain-text line per file


def save_uploads(
    paths: Sequence[str],
    folder: Path,
    user: str | None = None,
    admit: Callable[[], str | None] | None = None,
) -> SaveResult:
    """Save each upload that passes, and say for every file what became of it. Each file
    is also a line in the folder's upload log (provenance.py), accepted or not; `admit()`,
    asked once per file, may refuse it first (a rate limit: it says why)."""
    result = SaveResult()
    for raw in paths:
        src = Path(raw)
        refusal = admit() if admit else None
        if refusal:
            result.lines.append(f"✗ refused {src.name}: {refusal}")
            _log_refusal(folder, user, src, refusal)
            continue
        try:
            dest = save_upload(src, src.name, folder)
        except UploadRejected as err:
            result.lines.append(f"✗ rejected {err}")
            _log_refusal(folder, user, src, str(err))
        except OSError as err:
            result.lines.append(f"✗ {src.name}: could not be saved ({err.strerror})")
            _log_refusal(folder, user, src, f"could not be saved ({err.strerror})")
        else:
            try:
                _log(folder, user, src, dest)
            except OSError as err:  # no article without its line in the log
                dest.unlink(missing_ok=True)
                why = f"the upload log cannot be written ({err.strerror})"
                result.lines.append(f"✗ {src.name}: not saved, {why}")
                continue
            result.saved.append(dest)
            renamed = f" (as {dest.name})" if dest.name != src.name else ""
            result.lines.append(f"✓ saved {src.name}{renamed}")
    return result


def refuse_uploads(paths: Sequence[str], folder: Path, user: str | None, reason: str) -> None:
    """Log every file of an upload refused as a whole (a reader's, or too many files)."""
    for raw in paths:
        _log_refusal(folder, user, Path(raw), reason)


def _log_refusal(folder: Path, user: str | None, src: Path, reason: str) -> None:
    """A refusal stands even if the log cannot take it (say, a read-only folder)."""
    with contextlib.suppress(OSError):
        _log(folder, user, src, None, reason)


def _log(folder: Path, user: str | None, src: Path, dest: Path | None, reason: str = "") -> None:
    """One upload log line: the saved file's bytes are hashed, else what was sent, if it can
    still be read; the log is evidence of what was tried as well as what was added."""
    hashed = dest if dest is not None else src
    try:
        digest: str | None = sha256_file(hashed) if hashed.is_file() else None
    except OSError:
        digest = None
    saved_as = dest.relative_to(folder.resolve()).as_posix() if dest is not None else None
    record = UploadRecord(now_utc(), user, src.name, saved_as, digest, dest is not None, reason)
    log_upload(folder, record)


def run_build(build: Callable[[Progress], BuildReport]) -> Iterator[tuple[str, Any]]:
    """Run `build(progress)` in a thread and relay what it says: ('progress', (stage, done,
    total)) as it goes, then ('done', BuildReport) or ('error', message). A generator, so a
    Gradio handler can stream it while the chat keeps answering."""
    events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def progress(stage: str, done: int, total: int) -> None:
        events.put(("progress", (stage, done, total)))

    def work() -> None:
        try:
            events.put(("done", build(progress)))
        except AskbriefError as err:
            events.put(("error", str(err)))
        except Exception as err:  # shown to the user rather than lost in a thread
            events.put(("error", f"index update failed: {type(err).__name__}: {err}"))

    threading.Thread(target=work, name=UPDATE_THREAD, daemon=True).start()
    while True:
        kind, value = events.get()
        yield kind, value
        if kind in ("done", "error"):
            return
