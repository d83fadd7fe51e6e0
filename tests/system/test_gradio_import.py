"""The web UI imports gradio without gradio's import-time type-stub writing (gradio_import.py):
the stub writer is off, gradio's .pyi files are left alone, and components still work."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import importlib.util, pathlib
stub = pathlib.Path(importlib.util.find_spec("gradio").origin).parent / "components" / "textbox.pyi"
before = stub.stat().st_mtime_ns if stub.exists() else None
import askbrief.web.blocks
import gradio as gr
import gradio.component_meta as meta
assert meta.create_or_modify_pyi.__name__ == "_no_stub", meta.create_or_modify_pyi
after = stub.stat().st_mtime_ns if stub.exists() else None
assert before == after, "gradio rewrote a stub file"
with gr.Blocks() as app:
    box = gr.Textbox(label="q")
    box.submit(lambda q: q, box, box)
print("ok")
"""


def test_ui_imports_gradio_without_writing_stubs() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_without_the_hook_gradio_does_write_stubs() -> None:
    """The check above can fail: plain `import gradio` does run the stub writer."""
    code = "import gradio.component_meta as m; print(m.create_or_modify_pyi.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "create_or_modify_pyi"
