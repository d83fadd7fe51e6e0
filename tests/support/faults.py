"""A built index copied for a test to damage, and one way to damage it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from askbrief import Settings


def fresh_copy(src: Settings, dest: Path) -> Settings:
    shutil.copytree(src.articles_dir, dest / "articles")
    shutil.copytree(src.location.path, dest / "index")
    return Settings.load(articles_dir=dest / "articles", index_dir=dest / "index")


# ---------------------------------------------------------------- damaged indexes


def truncate(name: str, size: int) -> Callable[[Path, Path], None]:
    def damage(gen: Path, root: Path) -> None:
        os.truncate(gen / name, size)

    return damage
