"""The README's examples, read by docs/readme_examples.py (loaded from its file: docs/ is no
package)."""

from __future__ import annotations

import importlib.util
import sys

from support.common import ROOT

_spec = importlib.util.spec_from_file_location(
    "readme_examples", ROOT / "docs" / "readme_examples.py"
)
assert _spec is not None and _spec.loader is not None
readme_examples = importlib.util.module_from_spec(_spec)
sys.modules["readme_examples"] = readme_examples  # its dataclass looks its module up there
_spec.loader.exec_module(readme_examples)

EXAMPLES = readme_examples.examples((ROOT / "README.md").read_text(encoding="utf-8"))
