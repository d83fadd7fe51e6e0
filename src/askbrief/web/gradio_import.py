"""gradio, imported the one way the web UI takes it: `from askbrief.web.gradio_import import gr`.

No analytics, no version check, no hub telemetry (forced before the import), and without the
work gradio does for its own developers at every import:

Gradio's component metaclass (`gradio.component_meta.create_or_modify_pyi`) rewrites a
type-stub file (.pyi) beside each component class every time gradio is imported: it parses
the class's source with `ast`, renders a template and writes into site-packages. That is
about 40% of `import gradio` on these machines (3.4 s → 2.0 s) and serves only an editor's
type checker, so the web UI turns it off before gradio loads. Nothing else about gradio
changes; if a gradio version drops or renames the function, the hook simply finds nothing
to turn off.

Only the web UI's Gradio modules (blocks, page, chat, editing, api) import this; the library
and the CLI never pay for gradio.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

_MODULE = "gradio.component_meta"


class _SkipStubWriting(importlib.abc.MetaPathFinder):
    """Finds gradio.component_meta as usual, then replaces its stub writer with a no-op
    right after the module runs, before any component class is made."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _MODULE:
            return None
        sys.meta_path.remove(self)  # once is enough
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            if hasattr(module, "create_or_modify_pyi"):
                # patching gradio's module: its attributes are not known to the checker
                module.create_or_modify_pyi = _no_stub  # type: ignore[attr-defined]

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]  # on purpose
        return spec


def _no_stub(*args: Any, **kwargs: Any) -> None:
    return None


def skip_stub_writing() -> None:
    """Call before the first `import gradio`; later calls, or calls after it, do nothing."""
    if _MODULE in sys.modules or any(isinstance(f, _SkipStubWriting) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _SkipStubWriting())


# Set before gradio is imported. Forced, not defaulted: the UI must never phone out, whatever
# the environment says.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
skip_stub_writing()  # 40% of gradio's import time, for nothing we use

import gradio as gr  # noqa: E402
from gradio.utils import get_function_params  # noqa: E402

__all__ = ["get_function_params", "gr", "skip_stub_writing"]
