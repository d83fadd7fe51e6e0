"""Who added an article through the web UI, and when: an append-only log of uploads beside the
articles they brought in.

The log is one JSON object per line in `<articles folder>/.askbrief-uploads.jsonl` (hidden, so
it is never read as an article). Every upload is a line, accepted or refused and why, so the
log answers "who tried to add what" as well as "where did this article come from". Lines are
only ever appended, under a file lock, so two app processes sharing a folder cannot interleave
them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

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
    with FileLock(str(path) + ".lock"), open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()


def read_log(folder: Path) -> list[UploadRecord]:
    """Every record in the folder's upload log, oldest first; a damaged line is skipped (the
    log is evidence, and one bad line must not hide the others)."""
    path = log_path(folder)
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            data = json.loads(line)
            records.append(UploadRecord(**data))
        except (ValueError, TypeError):
            continue
    return records
