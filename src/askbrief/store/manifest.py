"""The manifest: what an index was built with, written by both writers and checked by both
readers, so an index that another format, model or chunking wrote is refused in one line
with the fix (`FULL_HINT`) instead of answering with vectors that mean something else.

The FAISS store keeps it as manifest.json in each generation, with every file's size and
checksum; the Milvus store keeps the same fields in its meta row.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from askbrief.config import EMBEDDING_DIM, FORMAT_VERSION, MODEL_ID, TOKEN_ENCODING
from askbrief.errors import IndexMismatchError

if TYPE_CHECKING:
    from askbrief.config import Settings

MANIFEST = "manifest.json"
FULL_HINT = "run `askbrief index --full` to rebuild it"
CHUNKING = ("max_tokens", "overlap_sentences")  # settings an incremental build must share


def manifest_fields(settings: Settings) -> dict[str, Any]:
    """What every index records about how it was built, whichever store holds it."""
    return {
        "format_version": FORMAT_VERSION,
        "model": MODEL_ID,
        "dim": EMBEDDING_DIM,
        "token_encoding": TOKEN_ENCODING,
        **{key: getattr(settings, key) for key in CHUNKING},
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def format_problem(manifest: dict[str, Any]) -> str | None:
    """Why this askbrief cannot read an index with this manifest (None: it can): another
    format, or vectors from another model, which would mean something else."""
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        return f"index format {version} is not the current format {FORMAT_VERSION}"
    if manifest.get("model") != MODEL_ID or manifest.get("dim") != EMBEDDING_DIM:
        return (
            f"index was built with model {manifest.get('model')!r}, this askbrief uses {MODEL_ID!r}"
        )
    return None


def check_manifest(manifest: dict[str, Any], where: object) -> None:
    """format_problem as the one-line error readers raise."""
    problem = format_problem(manifest)
    if problem:
        raise IndexMismatchError(f"{where}: {problem}; {FULL_HINT}")


def reuse_problem(manifest: dict[str, Any], settings: Settings) -> str | None:
    """Why an incremental build cannot add to an index with this manifest (None: it can):
    format_problem, or passages cut with other settings."""
    problem = format_problem(manifest)
    if problem:
        return problem
    for key in CHUNKING:
        if manifest.get(key) != getattr(settings, key):
            return f"index was built with {key}={manifest.get(key)}, now {getattr(settings, key)}"
    return None


def read_manifest(gen: Path) -> dict[str, Any]:
    """The generation's manifest; IndexMismatchError if it is missing or not a JSON object."""
    try:
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict):
        raise IndexMismatchError(f"{gen / MANIFEST} is missing or damaged; {FULL_HINT}")
    return manifest


# Files above this size are checked by size only: hashing gigabytes on every open would
# cost seconds per start at a million passages; the loaders still refuse a garbled file.
HASH_MAX_BYTES = 256 * 2**20


def file_digests(gen: Path) -> dict[str, dict[str, Any]]:
    """Size and sha256 of every file of a generation but the manifest, which records them."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in gen.rglob("*") if p.is_file() and p.name != MANIFEST):
        entry: dict[str, Any] = {"bytes": path.stat().st_size}
        if entry["bytes"] <= HASH_MAX_BYTES:
            with open(path, "rb") as fh:
                entry["sha256"] = hashlib.file_digest(fh, "sha256").hexdigest()
        out[path.relative_to(gen).as_posix()] = entry
    return out


def verify_files(gen: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there, of its size and checksum: a truncated,
    deleted or overwritten file is caught on open, not halfway through an answer.
    Manifests written before checksums were recorded have no "files" and are trusted."""
    files = manifest.get("files")
    if files is None:
        return
    if not isinstance(files, dict):
        raise IndexMismatchError(f"{gen / MANIFEST} is damaged; {FULL_HINT}")
    for name, want in files.items():
        _verify_file(gen, name, want)


def verify_listed(gen: Path, manifest: dict[str, Any], names: list[str]) -> None:
    """verify_files for some of the files only (those the manifest lists): a full build
    reading what it carries over from a generation that may be damaged elsewhere."""
    files = manifest.get("files")
    if not isinstance(files, dict):
        return
    for name in names:
        if name in files:
            _verify_file(gen, name, files[name])


def _verify_file(gen: Path, name: str, want: Any) -> None:
    path = gen / name
    try:
        size = path.stat().st_size
    except OSError:
        raise IndexMismatchError(f"{path} is missing; {FULL_HINT}") from None
    if not isinstance(want, dict) or size != want.get("bytes"):
        raise IndexMismatchError(f"{path} is damaged (truncated or resized); {FULL_HINT}")
    if "sha256" not in want and size > HASH_MAX_BYTES:
        return
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    if digest != want.get("sha256"):
        raise IndexMismatchError(f"{path} is damaged (checksum differs); {FULL_HINT}")
