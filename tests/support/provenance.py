"""Who added an article: upload-log records written as the web UI writes them."""

from __future__ import annotations

from pathlib import Path

from askbrief.ingest.provenance import (
    UploadRecord,
    log_upload,
    sha256_file,
)

AT = "2026-12-01T20:15:07Z"
SHOWN = "Added by alice on 2026-12-01 20:15 UTC through the web UI"
STORY = (
    "Harbor ferry resumes service\n"
    "The harbor ferry resumed service on Tuesday after a two-week repair.\n"
    "Its operator said the new engine cuts fuel use by a third.\n"
)


def uploaded(folder: Path, name: str, user: str | None = "alice", at: str = AT) -> None:
    """Log `name` (already in `folder`) as the web UI logs an accepted upload."""
    sha = sha256_file(folder / name)
    log_upload(folder, UploadRecord(at, user, name, name, sha, True))


def refused(folder: Path, name: str, why: str) -> None:
    log_upload(folder, UploadRecord(AT, "mallory", name, None, None, False, why))
