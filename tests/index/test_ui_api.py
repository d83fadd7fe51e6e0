"""The web UI's programmatic side: /ask over HTTP with gradio_client on a real index, no
outside network, the `python app.py` entry point, rejected questions that leave no
traceback on the console, and safe uploads. (The HTML itself: tests/unit/test_ui_render.py.)

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/system/test_ui_api.py, tests/unit/test_ui_api.py."""

from __future__ import annotations

from pathlib import Path

from support.common import SEED_FILE, CountingEmbedder

from askbrief.web.blocks import Backend, make_add_articles, make_respond


def test_first_upload_builds_the_index_when_there_is_none(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    from askbrief import Settings
    from askbrief.web.blocks import NO_INDEX, render_status

    settings = Settings.load(articles_dir=tmp_path / "articles", index_dir=tmp_path / "index")
    backend = Backend(settings, embedder)
    assert NO_INDEX in render_status(backend)
    chat, *_ = list(make_respond(backend)("Anything?", []))[-1]
    assert NO_INDEX in chat[-1]["content"]
    *_, (log, status, files) = make_add_articles(backend)([str(SEED_FILE)])
    assert "added 1" in log and ">1</b> article " in status and files is None
    assert (settings.articles_dir / SEED_FILE.name).read_bytes() == SEED_FILE.read_bytes()
    assert backend.ask("What did Lavrov say about France?")["answered"]
