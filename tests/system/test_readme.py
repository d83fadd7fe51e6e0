"""The README's example output is what askbrief prints now (docs/readme_examples.py): an
example that drifts from the code fails here, and `--write` makes it anew.

Here, what needs a server, a child process or a slow build; the rest: tests/unit/test_readme.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.readme import EXAMPLES, readme_examples


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return readme_examples.collection(tmp_path_factory.mktemp("readme"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.command for e in EXAMPLES])
def test_readme_example_is_what_askbrief_prints(example: object, folder: Path) -> None:
    now = readme_examples.output(example, folder)
    assert now == example.shown, (  # type: ignore[attr-defined]
        "README.md is stale: HF_HUB_OFFLINE=1 .venv/bin/python docs/readme_examples.py --write"
    )
