"""The users file: who may sign in to the web UI, with which role, and an argon2id hash of
each password (argon2-cffi; the password itself is never stored).

    {"users": {"alice": {"role": "editor", "hash": "$argon2id$v=19$m=65536,t=3,p=4$..."}}}

Written only by `askbrief users` (cli/users.py): atomically (a new file renamed over the old, so
a reader never sees half a file) and readable by its owner only (mode 0600). The web UI reads it
(rules.py) and verifies passwords here, in one place, against a dummy hash for unknown names so
that a wrong name costs as much time as a wrong password.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from askbrief.errors import AskbriefError
from askbrief.folder_lock import folder_lock

Role = Literal["reader", "editor"]
ROLES: tuple[Role, ...] = ("reader", "editor")
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024  # argon2 takes any length; this only bounds the work per attempt
# Names as Gradio's login form sends them (it strips white space): short, no spaces.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory parameters (64 MiB, t=3, p=4)
HOW_TO_ADD = "askbrief users add NAME --role reader|editor --users FILE"


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    hash: str  # argon2id, salted; what `verify` checks a password against


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise AskbriefError(
            f"{name!r} is not a usable user name: 1-64 letters, digits and . _ @ -, "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AskbriefError(
            f"the password is too short; use at least {MIN_PASSWORD_CHARS} characters"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise AskbriefError(f"the password is longer than {MAX_PASSWORD_CHARS} characters")
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(check_password(password))


def load_users(path: Path) -> dict[str, User]:
    """Every user in the file, by name; a one-line AskbriefError if it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AskbriefError(f"{path}: no such users file; make one with `{HOW_TO_ADD}`") from None
    except OSError as err:
        raise AskbriefError(f"{path}: cannot read the users file ({err.strerror})") from None
    except ValueError as err:
        raise AskbriefError(f"{path}: not a users file (bad JSON: {err})") from None
    entries = data.get("users") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise AskbriefError(f'{path}: not a users file (no "users" object)')
    users = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or entry.get("role") not in ROLES:
            raise AskbriefError(f"{path}: user {name!r} has no role; give reader or editor")
        digest = entry.get("hash")
        if not isinstance(digest, str) or not digest.startswith("$argon2id$"):
            # Never accept anything else, least of all a plain password someone typed in.
            raise AskbriefError(
                f"{path}: user {name!r} has no argon2id hash; set the password with "
                f"`askbrief users add {name} --replace`"
            )
        users[name] = User(name, cast(Role, entry["role"]), digest)
    return users


def save_users(path: Path, users: dict[str, User]) -> None:
    """Replace the file atomically with `users`; the new file is mode 0600 from its first byte."""
    data = {"users": {u.name: {"role": u.role, "hash": u.hash} for u in users.values()}}
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _edit_lock(path: Path) -> contextlib.AbstractContextManager[None]:
    """Two `askbrief users` commands at once must not lose each other's change. The lock is
    on the file's folder, not a lock file beside it: the users file often sits in a checkout
    or a config folder, where a `.team.json.lock` would be left behind."""
    return folder_lock(path.parent)


def add_user(path: Path, name: str, role: str, password: str, replace: bool = False) -> bool:
    """Add `name` (or, with `replace`, set its role and password); True if it was new."""
    check_name(name)
    if role not in ROLES:
        raise AskbriefError(f"role {role!r} is not one of {', '.join(ROLES)}")
    digest = hash_password(password)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _edit_lock(path):
        users = load_users(path) if path.exists() else {}
        if name in users and not replace:
            raise AskbriefError(
                f"user {name!r} already exists in {path}; add --replace to set a new password and role"
            )
        new = name not in users
        users[name] = User(name, role, digest)  # a Role: checked against ROLES above
        save_users(path, users)
    return new


def remove_user(path: Path, name: str) -> None:
    with _edit_lock(path):
        users = load_users(path)
        if name not in users:
            raise AskbriefError(f"no user {name!r} in {path}")
        del users[name]
        save_users(path, users)


# Checked when a name is unknown, so that answering "no such user" takes as long as "wrong
# password": the time of a failed sign-in says nothing about which names exist.
@functools.cache
def dummy_hash() -> str:
    """Made once per process; the app makes it at start (access.Users), so that even the
    first unknown name costs no more than a wrong password."""
    return _HASHER.hash(os.urandom(16).hex())


def verify(users: dict[str, User], name: str, password: str) -> User | None:
    """The user if `password` is theirs, else None. Slow on purpose (argon2, ~0.1-0.3 s):
    call it off the event loop."""
    user = users.get(name)
    try:
        _HASHER.verify(user.hash if user else dummy_hash(), password[: MAX_PASSWORD_CHARS + 1])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return user
