"""Progress on a terminal, drawn from the library's progress callback.

The library never draws: `build_index` and `evaluate` call `progress(stage, done, total)`
and the front ends (the CLI, the web UI's launcher) decide what to show. Here: one tqdm bar
per stage on stderr, and only for work long enough to be worth watching.
"""

from __future__ import annotations

import sys
from typing import Any

# What each stage of the library's progress(stage, done, total) counts; the web UI's
# progress line reads it too.
UNITS = {"entities": "article", "embedding": "passage", "asking": "question"}
MIN_TOTAL = 64  # below this a bar only flickers


class ProgressBars:
    """A `Progress` callback that draws a bar per stage; use as a context manager."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total < MIN_TOTAL:
            return
        bar = self.bars.get(stage)
        if bar is None:
            from tqdm import tqdm

            unit = UNITS.get(stage, "item")
            bar = self.bars[stage] = tqdm(total=total, unit=unit, desc=stage, file=sys.stderr)
        bar.total = total
        bar.update(done - bar.n)
        if done >= total:
            self.bars.pop(stage).close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()

    def __enter__(self) -> ProgressBars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
