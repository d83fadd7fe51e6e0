"""The README's example output is what askbrief prints now (docs/readme_examples.py): an
example that drifts from the code fails here, and `--write` makes it anew."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location(
    "readme_examples", ROOT / "docs" / "readme_examples.py"
)
assert _spec is not None and _spec.loader is not None
readme_examples = importlib.util.module_from_spec(_spec)
sys.modules["readme_examples"] = readme_examples  # its dataclass looks its module up there
_spec.loader.exec_module(readme_examples)

EXAMPLES = readme_examples.examples((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_shows_an_answer_and_a_refusal() -> None:
    commands = [e.command for e in EXAMPLES]
    assert any("ceasefire" in c for c in commands) and any("tungsten" in c for c in commands)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return readme_examples.collection(tmp_path_factory.mktemp("readme"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.command for e in EXAMPLES])
def test_readme_example_is_what_askbrief_prints(example: object, folder: Path) -> None:
    now = readme_examples.output(example, folder)
    assert now == example.shown, (  # type: ignore[attr-defined]
        "README.md is stale: HF_HUB_OFFLINE=1 .venv/bin/python docs/readme_examples.py --write"
    )
