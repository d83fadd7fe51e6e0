"""Each front end speaks its own terms (issue 27, item 10): what a web user or an API caller
is told never names a CLI command or flag (`askbrief query`, `--since`, `--articles`), and
what the launcher tells its operator names the setting they actually made (ASKBRIEF_HOST or
--host). Through the HTTP API of a served app, the chat's own event, the CLI and `python
app.py` in a child process. (The date boxes and the source panel, in a browser:
tests/browser/test_ui_input.py.)

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/system/test_front_end_words.py."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from support.common import CountingEmbedder
from support.web import seeded_settings
from support.words import EMPTY

from askbrief.cli.main import cli
from askbrief.config import Settings


def test_the_cli_says_the_question_is_empty_in_one_line(seeded: Settings) -> None:
    env = {"ASKBRIEF_INDEX_DIR": str(seeded.location.path), "HF_HUB_OFFLINE": "1"}
    result = CliRunner().invoke(cli, ["query", "  \t "], env=env)
    assert result.exit_code != 0
    assert result.output.strip() == f"Error: {EMPTY}"


def test_an_index_from_another_model_is_fixed_from_the_page(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """The status line names the page's fix (Update index), not the CLI's --full, and
    Update index rebuilds an index the CLI would rebuild with --full."""
    from askbrief.store.manifest import MANIFEST
    from askbrief.web.backend import Backend, render_status

    settings = seeded_settings(tmp_path, embedder)
    current = settings.location.path / (settings.location.path / "CURRENT").read_text().strip()
    manifest = json.loads((current / MANIFEST).read_text())
    (current / MANIFEST).write_text(json.dumps(manifest | {"model": "some-other-model"}))
    backend = Backend(settings, embedder)
    status = render_status(backend)
    assert "some-other-model" in status and "Update index" in status
    assert "askbrief" not in status.replace("this askbrief uses", "")
    assert backend.build().added == 1
    assert "Index unavailable" not in render_status(backend)
