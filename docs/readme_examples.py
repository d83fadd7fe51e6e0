"""The README's example output, made by the code: check it, or write it anew.

    HF_HUB_OFFLINE=1 .venv/bin/python docs/readme_examples.py          # differences, exit 1
    HF_HUB_OFFLINE=1 .venv/bin/python docs/readme_examples.py --write  # rewrite README.md

Each example in README.md is a marker line, `<!-- output of: askbrief query "…" -->`, and the
fenced block right after it. The command runs as a user's would after `make run`: in a
folder holding `seeds/` (a copy of the shipped seed article) and the `index/` built from it,
so sources print as `seeds/…`. tests/system/test_readme.py runs the same check.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SEED = ROOT / "tests" / "data" / "seed"  # the shipped seed article, byte for byte
_EXAMPLE = re.compile(
    r"<!-- output of: (?P<command>askbrief [^\n]*?) -->\n```text\n(?P<out>.*?)```", re.S
)


@dataclass(frozen=True)
class Example:
    command: str  # "askbrief query ..." as a user types it after `make run`
    shown: str  # what the README shows
    start: int  # where the shown text sits in README.md
    end: int


def examples(readme: str) -> list[Example]:
    return [
        Example(m["command"], m["out"], m.start("out"), m.end("out"))
        for m in _EXAMPLE.finditer(readme)
    ]


def collection(folder: Path) -> Path:
    """`seeds/` and its `index/` in `folder`, as `make run` leaves them."""
    shutil.copytree(SEED, folder / "seeds")
    _askbrief(["index", "--quiet"], folder)
    return folder


def output(example: Example, folder: Path) -> str:
    """What the example's command prints now, run in `folder` (see `collection`)."""
    return _askbrief(shlex.split(example.command)[1:], folder)


def _askbrief(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "askbrief", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


def main() -> None:
    write = "--write" in sys.argv[1:]
    readme = README.read_text(encoding="utf-8")
    found = examples(readme)
    with tempfile.TemporaryDirectory() as tmp:
        folder = collection(Path(tmp))
        fresh = [output(e, folder) for e in found]
    stale = [(e, now) for e, now in zip(found, fresh, strict=True) if now != e.shown]
    if write:
        for e, now in sorted(stale, key=lambda pair: -pair[0].start):
            readme = readme[: e.start] + now + readme[e.end :]
        README.write_text(readme, encoding="utf-8")
        print(f"README.md: {len(stale)} of {len(found)} examples rewritten")
        return
    for e, now in stale:
        print(f"stale: {e.command}\n--- README\n{e.shown}--- now\n{now}")
    print(f"{len(found) - len(stale)} of {len(found)} README examples match the code")
    sys.exit(1 if stale else 0)


if __name__ == "__main__":
    main()
