"""`askbrief` in a child process, as a user or a cron job starts it: its environment, and its
stderr read line by line while it runs (the indexer's test hook ASKBRIEF_TEST_PAUSE_AT=<phase>
makes it announce a phase on stderr and wait there)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from askbrief import Settings

ASKBRIEF = Path(sys.executable).with_name("askbrief")


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKBRIEF_")}
    return env | {
        "HF_HUB_OFFLINE": "1",
        "ASKBRIEF_ARTICLES_DIR": str(settings.articles_dir),
        "ASKBRIEF_INDEX_DIR": str(settings.location.path),
        **extra,
    }


def start_index(settings: Settings, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(ASKBRIEF), "index", "-q", *args],
        env=child_env(settings, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(proc: subprocess.Popen[str], marker: str, timeout: float = 300) -> list[str]:
    """stderr lines of `proc` up to the one containing `marker` (the rest keep flowing)."""
    lines: list[str] = []
    found = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if marker in line:
                found.set()
        found.set()

    threading.Thread(target=pump, daemon=True).start()
    assert found.wait(timeout), f"no {marker!r} within {timeout}s: {''.join(lines)}"
    assert any(marker in line for line in lines), f"exited ({proc.poll()}): {''.join(lines)}"
    return lines


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
