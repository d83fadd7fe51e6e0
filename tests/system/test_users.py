"""The users file and the rules built on it, without a server: argon2id hashes only (never the
password), atomic 0600 writes, `askbrief users` reading the password from standard input,
loopback detection, roles, read-only, rate-limit messages and slowed sign-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from argon2 import PasswordHasher
from support.common import ROOT
from support.users import PASSWORD, file_mode

# ---------------------------------------------------------------- `askbrief users`


def test_users_add_reads_the_password_from_stdin_and_the_hash_verifies(tmp_path: Path) -> None:
    """A real process whose stdin is a pipe, not a terminal: the first line is the password."""
    path = tmp_path / "team.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKBRIEF_")}
    done = subprocess.run(
        [sys.executable, "-m", "askbrief", "users", "add", "rita", "--role", "reader"],
        input=PASSWORD + "\n",
        env=env | {"ASKBRIEF_USERS": str(path)},  # the file from the environment
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"added rita (reader) in {path}"
    assert PASSWORD not in path.read_text() and PASSWORD not in done.stdout + done.stderr
    digest = json.loads(path.read_text())["users"]["rita"]["hash"]
    assert PasswordHasher().verify(digest, PASSWORD)
    assert file_mode(path) == 0o600
