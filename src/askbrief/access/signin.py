"""Slowed sign-in for the web UI: each failed attempt on a user name makes the next attempt
on that name wait longer, so guessing a password takes years rather than hours.

Gradio awaits `SignIn.check` from its /login route, so the waiting is an asyncio sleep and the
argon2 check runs in a worker thread: a flood of guesses never blocks the event loop that
serves everyone else. Attempts already under way count as failures for the delay, so firing
guesses in parallel does not dodge it. Unknown names are counted and delayed exactly like
known ones (and verified against a dummy hash, users.verify), so timing tells nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_DELAY = 30.0  # seconds: the longest a sign-in waits before it is checked
FORGET_AFTER = 15 * 60.0  # seconds without a failure after which a name starts afresh
MAX_TRACKED = 10_000  # names with recent failures kept in memory (the oldest go first)
CHECKS_AT_ONCE = 2  # argon2 checks in parallel (each takes 64 MiB and a core for ~0.2 s)


@dataclass
class _Tally:
    failures: int = 0
    pending: int = 0  # attempts on this name being checked right now
    last: float = 0.0  # time.monotonic() of the last failure


class SignIn:
    """`await check(name, password)`: True if the password is right, after the delay the
    name's recent failures have earned; `verify(name, password) -> bool` is the slow check."""

    def __init__(self, verify: Callable[[str, str], bool], base_delay: float = 1.0) -> None:
        self._verify = verify
        self.base_delay = max(0.0, base_delay)
        self._tallies: dict[str, _Tally] = {}
        self._checks: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    def delay(self, earlier: int) -> float:
        """Seconds to wait with `earlier` failed or unfinished attempts on the same name:
        none for the first attempt, then base, 2 x base, 4 x base, … up to MAX_DELAY."""
        if earlier <= 0 or self.base_delay == 0:
            return 0.0
        return min(MAX_DELAY, self.base_delay * 2 ** min(earlier - 1, 30))

    async def check(self, name: str, password: str) -> bool:
        key = name[:100]
        tally = self._tally(key)
        wait = self.delay(tally.failures + tally.pending)
        tally.pending += 1
        try:
            if wait:
                await asyncio.sleep(wait)
            async with self._semaphore():
                ok = await asyncio.to_thread(self._verify, name, password)
        finally:
            tally.pending -= 1
        if ok:
            tally.failures = 0
        else:
            tally.failures += 1
            tally.last = time.monotonic()
        return ok

    def _semaphore(self) -> asyncio.Semaphore:
        """One per event loop (a semaphore belongs to the loop it first waits in)."""
        loop = asyncio.get_running_loop()
        if self._checks is None or self._checks[0] is not loop:
            self._checks = (loop, asyncio.Semaphore(CHECKS_AT_ONCE))
        return self._checks[1]

    def _tally(self, key: str) -> _Tally:
        now = time.monotonic()
        tally = self._tallies.get(key)
        if tally is not None and tally.pending == 0 and now - tally.last > FORGET_AFTER:
            tally.failures = 0
        if tally is None:
            if len(self._tallies) >= MAX_TRACKED:
                self._forget(now)
            tally = self._tallies[key] = _Tally()
        return tally

    def _forget(self, now: float) -> None:
        """Drop names with no failure lately, then the oldest, so memory stays bounded."""
        idle = [k for k, t in self._tallies.items() if t.pending == 0]
        stale = [k for k in idle if now - self._tallies[k].last > FORGET_AFTER]
        for key in stale or sorted(idle, key=lambda k: self._tallies[k].last)[: len(idle) // 2]:
            del self._tallies[key]
