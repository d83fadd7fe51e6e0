"""The users file in a real process and sign-in against the clock: `askbrief users add` reads
the password from a pipe and writes only its argon2id hash (0600); failed sign-ins wait
longer each time, and parallel guesses do not dodge the wait (real waits of up to seconds).
(The rest of the users file and its rules, in-process: tests/unit/test_users.py.)

Here, what needs a server, a child process or a slow build; the rest: tests/unit/test_users.py."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from argon2 import PasswordHasher
from support.common import ROOT
from support.users import PASSWORD, file_mode

from askbrief.access.signin import SignIn

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


# ---------------------------------------------------------------- slowed sign-in


def test_failed_sign_ins_wait_longer_each_time_and_a_success_resets() -> None:
    checked: list[tuple[str, str]] = []

    def verify(name: str, password: str) -> bool:
        checked.append((name, password))
        return password == "right"

    signin = SignIn(verify, base_delay=0.2)
    assert [signin.delay(n) for n in range(5)] == [0, 0.2, 0.4, 0.8, 1.6]
    assert signin.delay(100) == 30.0

    async def attempts() -> list[tuple[bool, float]]:
        out = []
        for password in ["wrong", "wrong", "wrong", "right", "wrong"]:
            start = time.monotonic()
            ok = await signin.check("alice", password)
            out.append((ok, time.monotonic() - start))
        return out

    results = asyncio.run(attempts())
    assert [ok for ok, _ in results] == [False, False, False, True, False]
    took = [t for _, t in results]
    assert took[0] < 0.15 and 0.2 <= took[1] < 0.5 and 0.4 <= took[2] < 0.8
    assert took[3] >= 0.8  # the right password too waits out the delay earned before it
    assert took[4] < 0.15  # and then the name starts afresh
    assert len(checked) == 5


def test_parallel_guesses_do_not_dodge_the_delay_and_unknown_names_wait_alike() -> None:
    signin = SignIn(lambda name, password: False, base_delay=0.2)

    async def burst(name: str) -> float:
        start = time.monotonic()
        await asyncio.gather(*(signin.check(name, "guess") for _ in range(4)))
        return time.monotonic() - start

    # four at once on one name: waits of 0, 0.2, 0.4 and 0.8 s, not four free tries
    assert asyncio.run(burst("alice")) >= 0.8
    assert asyncio.run(burst("nobody-at-all")) >= 0.8
