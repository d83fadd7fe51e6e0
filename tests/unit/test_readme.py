"""The README's example output is what askbrief prints now (docs/readme_examples.py): an
example that drifts from the code fails here, and `--write` makes it anew.

Here, what needs no model and no index; the rest: tests/system/test_readme.py."""

from __future__ import annotations

from support.readme import EXAMPLES


def test_the_readme_shows_an_answer_and_a_refusal() -> None:
    commands = [e.command for e in EXAMPLES]
    assert any("ceasefire" in c for c in commands) and any("tungsten" in c for c in commands)
