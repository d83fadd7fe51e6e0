"""Faults: `askbrief index` killed at every phase of a build, and damaged indexes detected on
open with a one-line error that says to run `askbrief index --full`, which then recovers.

Builds are killed for real (SIGKILL to an `askbrief index` process). The indexer's test hook
ASKBRIEF_TEST_PAUSE_AT=<phase> makes it announce the phase on stderr and wait there, so the
kill lands at a known point instead of at a lucky moment.

Here, what needs no model and no index; the rest: tests/system/test_faults.py.
"""

from __future__ import annotations

import time

import pytest


def test_pause_hook_is_inert_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from askbrief.ingest.prepare import PAUSE_ENV, pause_point

    monkeypatch.delenv(PAUSE_ENV, raising=False)
    t0 = time.monotonic()
    pause_point("embedding")
    monkeypatch.setenv(PAUSE_ENV, "writing:30")
    pause_point("embedding")  # another phase: no pause either
    assert time.monotonic() - t0 < 1
