"""Who added an article through the web UI, and when: an append-only log of uploads beside the
articles they brought in.

The log is one JSON object per line in `<articles folder>/.askbrief-uploads.jsonl` (hidden, so
it is never read as an article). Every upload is a line, accepted or refused and why, so the
log answers "who tried to add what" as well as "where did this article come from". Lines are
only ever appended, under a file lock, so two app processes sharing a folder cannot interleave
them.

A build (build.py) reads the log with `provenance_for` and gives each article read from a file
whose path and bytes match an accepted upload that upload's user and time (Article.added_by,
added_at); both stores keep them with the article, and the source panel and `askbrief show`
say them with `describe`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

UPLOAD_LOG = ".askbrief-uploads.jsonl"


@dataclass(frozen=True)
class UploadRecord:
    """One uploaded file: who sent it (None: the UI had no sign-in), when (UTC, ISO 8601),
    under what name, where it was saved (relative to the articles folder; None if refused),
    the SHA-256 of its bytes, and whether it was accepted (`reason` says why not)."""

    at: str
    user: str | None
    file: str
    saved_as: str | None
    sha256: str | None
    accepted: bool
    reason: str = ""


def now_utc() -> str:
    """The time a record is stamped with: UTC to the second, ISO 8601."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def log_path(folder: Path) -> Path:
    return folder / UPLOAD_LOG


def log_upload(folder: Path, record: UploadRecord) -> None:
    """Append one record to the folder's upload log (created on first use), durably."""
    folder.mkdir(parents=True, exist_ok=True)
    path = log_path(folder)
    line = json.dumps(asdict(record), ensure_ascii=False) + "\n"
    with open(path, "a+b") as fh:
        # Locked on the log itself (until it closes), so no lock file is left in the folder.
        fcntl.flock(fh, fcntl.LOCK_EX)
        # A line cut short (a crash mid-write) is ended first, so it costs only itself.
        end = fh.seek(0, os.SEEK_END)
        if end:
            fh.seek(end - 1)
            if fh.read(1) != b"\n":
                fh.write(b"\n")  # "a" mode: every write goes to the end
        fh.write(line.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def read_log(folder: Path) -> list[UploadRecord]:
    """Every record in the folder's upload log, oldest first; a damaged line is skipped (the
    log is evidence, and one bad line must not hide the others)."""
    path = log_path(folder)
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = _record(json.loads(line))
        except ValueError:
            continue
        if record is not None:
            records.append(record)
    return records


def _record(data: object) -> UploadRecord | None:
    """A record from one decoded line; None if it is not one (wrong fields or types)."""
    if not isinstance(data, dict):
        return None
    try:
        record = UploadRecord(**data)
    except TypeError:
        return None
    texts = (record.at, record.file, record.reason)
    optional = (record.user, record.saved_as, record.sha256)
    if not all(isinstance(v, str) for v in texts) or not isinstance(record.accepted, bool):
        return None
    if not all(v is None or isinstance(v, str) for v in optional):
        return None
    return record


Uploads = dict[tuple[str, str], tuple[str | None, str]]  # (file, sha256) -> (user, at)


def provenance_for(folder: Path, warnings: list[str] | None = None) -> Uploads:
    """(file relative to `folder`, SHA-256 of its bytes) -> (user, at) of the latest accepted
    upload that saved exactly those bytes there. Keyed on the bytes as well as the name, so
    a file edited by hand after its upload matches nothing: it is no longer what was sent.
    A log that cannot be read is a warning (and no provenance), not a failed build."""
    out: Uploads = {}
    try:
        records = read_log(folder)
    except OSError as err:
        if warnings is not None:
            warnings.append(f"{log_path(folder)}: cannot read the upload log ({err.strerror})")
        return out
    for r in records:
        if not (r.accepted and r.saved_as and r.sha256 and r.at):
            continue
        rel = _relative(r.saved_as, folder)
        if rel is not None:
            out[(rel, r.sha256.lower())] = (r.user or None, r.at)
    return out


def _relative(saved_as: str, folder: Path) -> str | None:
    """The name as the build sees it: relative to the folder, with / between parts."""
    path = Path(saved_as)
    if not path.is_absolute():
        return path.as_posix()
    for base in (folder, folder.resolve()):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return None


def describe(added_by: str | None, added_at: str | None) -> str:
    """'Added by alice on 2026-12-01 20:15 UTC through the web UI' ('' for an article that
    was not uploaded): one line for the source panel and `askbrief show`."""
    if not added_at and not added_by:
        return ""
    when = f" on {_when(added_at)}" if added_at else ""
    if added_by:  # one line whatever the name holds
        return f"Added by {' '.join(added_by.split())}{when} through the web UI"
    return f"Added{when} through the web UI, without sign-in"


def _when(at: str) -> str:
    """An ISO 8601 stamp as '2026-12-01 20:15 UTC'; as written if it is not one."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return " ".join(at.split())
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M") + " UTC"
