"""The small collection of town news in tests/data/towns, copied for a test to index."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.common import ROOT, SEEDS

TOWNS = ROOT / "tests" / "data" / "towns"


def copy_collection(folder: Path) -> Path:
    shutil.copytree(SEEDS, folder)
    for f in TOWNS.glob("*.txt"):
        shutil.copy(f, folder / f.name)
    return folder
