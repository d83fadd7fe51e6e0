"""Users files: the password the tests give every user, a file's permission bits, and the
environment a CLI run gets (no ASKBRIEF_* setting of the machine's leaks in)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PASSWORD = "correct horse battery"


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def clean_env() -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("ASKBRIEF_")}
    return kept | {"HF_HUB_OFFLINE": "1"}
