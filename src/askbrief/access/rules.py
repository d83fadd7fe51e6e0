"""Who may do what in the web UI, and how often.

- Where it may listen: without a users file, only on loopback (`problem_serving`).
- Roles, from the users file (users.py): readers ask; editors also upload and re-index.
  Without a users file (loopback only) everyone is an editor, as before sign-in existed.
  `read_only` turns uploads and re-indexing off for everyone.
- Rate limits per signed-in user on questions and on uploaded files (the `limits` library's
  moving window, in memory, so per app process). Without sign-in nothing is limited: there is
  no one to count for, and only this machine can reach the app.

Every refusal is one line of plain text for the caller to show or raise. The UI checks these
server side, in its handlers, with the user name Gradio signed in; what the page hides is only
a courtesy. gradio is not imported here.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import time
from pathlib import Path

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from askbrief.access.signin import SignIn
from askbrief.access.users import HOW_TO_ADD, Role, User, dummy_hash, load_users, verify
from askbrief.config import Settings
from askbrief.errors import AskbriefError
from askbrief.text import plural

READ_ONLY = "This askbrief is read-only: uploads and re-indexing are off."


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 (also as [::1] or ::ffff:127.x.x.x) and localhost: this machine only."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        addr = ipaddress.ip_address(name)
    except ValueError:
        return False  # another host name, or "": it may well be reachable from outside
    mapped = getattr(addr, "ipv4_mapped", None)
    return addr.is_loopback or bool(mapped and mapped.is_loopback)


def problem_serving(host: str, settings: Settings, given: str | None = None) -> str | None:
    """Why the app must not serve on `host` with these settings (one line), or None. `given`
    says how the host was set, as the operator set it ("--host 0.0.0.0", or
    "ASKBRIEF_HOST=0.0.0.0"), so the message names what they typed."""
    if settings.users_file is not None or is_loopback(host):
        return None
    return (
        f"{given or f'host {host}'} serves beyond this machine, so sign-in is required: give "
        f"--users FILE (or ASKBRIEF_USERS=FILE); make the file with `{HOW_TO_ADD}`"
    )


class Users:
    """The users file, re-read when it changes, so `askbrief users add|remove` take effect
    without a restart. A change that breaks the file keeps the last good copy (and says so)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._problem = ""
        self._users = self._load()
        if not self._users:
            raise AskbriefError(f"{path}: no users yet; add one with `{HOW_TO_ADD}`")
        dummy_hash()

    def _load(self) -> dict[str, User]:
        stat = os.stat(self.path) if self.path.exists() else None
        users = load_users(self.path)
        self._stamp = (stat.st_mtime_ns, stat.st_size) if stat else None
        return users

    def current(self) -> dict[str, User]:
        try:
            stat = os.stat(self.path)
            if (stat.st_mtime_ns, stat.st_size) != self._stamp:
                self._users = self._load()
            self._problem = ""
        except (OSError, AskbriefError) as err:
            problem = f"askbrief: {err}; still using the users it had"
            if problem != self._problem:  # said once, not on every request
                print(problem, file=sys.stderr, flush=True)
                self._problem = problem
        return self._users


class RateLimits:
    """Questions and uploaded files per user name, each in its own moving window."""

    def __init__(self, questions: str, files: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._questions = _limit(questions, "question_limit")
        self._files = _limit(files, "upload_limit")

    def question(self, user: str) -> str | None:
        return self._hit(self._questions, "question", user)

    def file(self, user: str) -> str | None:
        return self._hit(self._files, "file", user)

    def _hit(self, item: RateLimitItem | None, what: str, user: str) -> str | None:
        if item is None or self._limiter.hit(item, what, user):
            return None
        reset = self._limiter.get_window_stats(item, what, user).reset_time
        every = f"{item.multiples} {item.GRANULARITY.name}s" if item.multiples > 1 else ""
        return (
            f"Rate limit reached: at most {item.amount} {plural(item.amount, what)} per "
            f"{every or item.GRANULARITY.name} for each user; try again {_after(reset)}."
        )


def _limit(text: str, name: str) -> RateLimitItem | None:
    if text.strip().lower() in ("", "0", "none", "off"):
        return None
    try:
        return parse(text)
    except ValueError:
        raise AskbriefError(
            f"ASKBRIEF_{name.upper()}={text!r} is not a rate limit; write e.g. 30/minute, "
            "100/day, or 0 for none"
        ) from None


def _after(reset: float) -> str:
    seconds = max(1, round(reset - time.time()))
    if seconds < 120:
        return f"in {seconds} s"
    if seconds < 7200:
        return f"in {round(seconds / 60)} min"
    return f"in {round(seconds / 3600)} h"


class Access:
    """The rules for one app: built from Settings by `from_settings`; `Access()` is the open
    door of a loopback app with no users file (everyone an editor, nothing limited)."""

    def __init__(
        self,
        users: Users | None = None,
        read_only: bool = False,
        limits: RateLimits | None = None,
        signin_delay: float = 1.0,
        files_per_upload: int = 20,
    ) -> None:
        self.users = users
        self.read_only = read_only
        self.limits = limits or RateLimits("", "")
        self.files_per_upload = files_per_upload
        self.signin = SignIn(self._verify, signin_delay)

    @classmethod
    def from_settings(cls, settings: Settings) -> Access:
        """One-line AskbriefError if the users file or a limit cannot be used."""
        path = settings.users_file
        return cls(
            users=Users(path) if path is not None else None,
            read_only=settings.read_only,
            limits=RateLimits(settings.question_limit, settings.upload_limit),
            signin_delay=settings.signin_delay,
            files_per_upload=settings.files_per_upload,
        )

    @property
    def signs_in(self) -> bool:
        return self.users is not None

    async def sign_in(self, name: str, password: str) -> bool:
        """Gradio's `auth` callable (it awaits a coroutine function)."""
        return await self.signin.check(name, password)

    def _verify(self, name: str, password: str) -> bool:
        return self.users is not None and verify(self.users.current(), name, password) is not None

    def role(self, user: str | None) -> Role | None:
        """None: not a user (any more); the app refuses them everything."""
        if self.users is None:
            return "editor"
        found = self.users.current().get(user or "")
        return found.role if found else None

    def may_edit(self, user: str | None) -> bool:
        return not self.read_only and self.role(user) == "editor"

    def edit_refusal(self, user: str | None) -> str | None:
        """Why `user` may not upload or re-index (one line), or None if they may."""
        if self.read_only:
            return READ_ONLY
        role = self.role(user)
        if role is None:
            return _gone(user)
        if role != "editor":
            return f"{user} is a reader: only editors may upload articles or re-index."
        return None

    def question_refusal(self, user: str | None) -> str | None:
        """Why `user` may not ask now (gone from the users file, or over the limit), or None."""
        if self.users is None:
            return None
        if self.role(user) is None:
            return _gone(user)
        return self.limits.question(user or "")

    def file_refusal(self, user: str | None) -> str | None:
        """Counts one file against `user`'s upload limit; why it is refused, or None."""
        return None if self.users is None or not user else self.limits.file(user)

    def count_refusal(self, count: int) -> str | None:
        if count > self.files_per_upload:
            return f"{count} files in one upload; send at most {self.files_per_upload} at a time."
        return None


def _gone(user: str | None) -> str:
    who = repr(user) if user else "This session"
    return f"{who} is not a user of this askbrief (any more); sign in again."
