"""The web UI's HTML, without a server or gradio: escaping of untrusted article text, exact
highlight spans, refusals, and counts whose words agree with them. Answers are real
records (Answer/Quote/Source.to_dict()), as the chat gets them from the index.

Here, what needs a server, a child process or a slow build; the rest:
tests/unit/test_ui_render.py."""

from __future__ import annotations

import subprocess
import sys


def test_rendering_imports_no_gradio() -> None:
    code = (
        "import sys, askbrief.web.render, askbrief.web.uploads; assert 'gradio' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
