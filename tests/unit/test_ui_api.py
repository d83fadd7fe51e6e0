"""The web UI's programmatic side: /ask over HTTP with gradio_client on a real index, no
outside network, the `python app.py` entry point, rejected questions that leave no
traceback on the console, and safe uploads. (The HTML itself: tests/unit/test_ui_render.py.)

Here, what needs no model and no index; the rest: tests/index/test_ui_api.py,
tests/system/test_ui_api.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from askbrief.cli.ui import _host, _port
from askbrief.web.blocks import make_respond
from askbrief.web.uploads import (
    MAX_UPLOAD_BYTES,
    UploadRejected,
    safe_name,
    save_upload,
)


def test_host_and_port_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASKBRIEF_HOST", raising=False)
    monkeypatch.delenv("ASKBRIEF_PORT", raising=False)
    assert (_host(None)[0], _port(None)) == ("127.0.0.1", 7860)
    monkeypatch.setenv("ASKBRIEF_HOST", "0.0.0.0")
    monkeypatch.setenv("ASKBRIEF_PORT", "8123")
    assert (_host(None), _port(None)) == (("0.0.0.0", "ASKBRIEF_HOST=0.0.0.0"), 8123)
    assert (_host("127.0.0.2"), _port(9000)) == (("127.0.0.2", "--host 127.0.0.2"), 9000)


# ---------------------------------------------------------------- follow-ups


class RecordingBackend:
    """Stands in for the index: records what the chat asks it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def ask(
        self, question: str, history: list[str], since: object = None, until: object = None
    ) -> dict[str, Any]:
        self.calls.append((question, list(history)))
        return {
            "question": question,
            "answered": False,
            "message": "The articles don't answer this.",
            "confidence": 0.0,
            "quotes": [],
            "sources": [],
        }


def test_chat_passes_earlier_questions_as_history() -> None:
    backend = RecordingBackend()
    respond = make_respond(backend)  # type: ignore[arg-type]
    turns: list[dict[str, Any]] = []
    for question in ["What did Lavrov say?", "And about France?", "Why?"]:
        *_, (chat, turns, box) = respond(question, turns)
        assert box == ""
    assert backend.calls == [
        ("What did Lavrov say?", []),
        ("And about France?", ["What did Lavrov say?"]),
        ("Why?", ["What did Lavrov say?", "And about France?"]),
    ]
    assert len(chat) == 6
    assert "The articles don&#x27;t answer this." in chat[-1]["content"]


# ---------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    ("name", "saved_as"),
    [
        ("story.txt", "story.txt"),
        ("../../etc/evil.txt", "evil.txt"),  # directories are stripped
        ("C:\\Users\\me\\notes.md", "notes.md"),
        ("Zürich news (2).HTML", "Zürich news (2).HTML"),
        ("wire.jsonl", "wire.jsonl"),
    ],
)
def test_safe_name_keeps_only_the_bare_name(name: str, saved_as: str) -> None:
    assert safe_name(name) == saved_as


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("..", "'..'"),
        ("a..txt", "'..'"),
        ("dir/..", "'..'"),
        (".hidden.txt", "hidden"),
        ("notes.pdf", "not a supported"),
        ("noext", "not a supported"),
        ("bad<name>.txt", "unusual characters"),
        ("tab\tname.txt", "unusual characters"),
        ("semi;colon.txt", "unusual characters"),
        ("-rf.txt", "unusual characters"),
        ("x" * 200 + ".txt", "longer than"),
        ("", "empty"),
    ],
)
def test_safe_name_rejects_unsafe_names(name: str, reason: str) -> None:
    with pytest.raises(UploadRejected, match=re.escape(reason)):
        safe_name(name)


def test_save_upload_never_overwrites_and_stays_in_the_folder(tmp_path: Path) -> None:
    folder, outside = tmp_path / "articles", tmp_path / "elsewhere"
    outside.mkdir()
    src = outside / "upload.txt"
    src.write_text("A headline\nA sentence that says something about the harbour.\n")
    first = save_upload(src, "../story.txt", folder)
    second = save_upload(src, "story.txt", folder)
    assert (first.name, second.name) == ("story.txt", "story-2.txt")
    assert first.read_bytes() == second.read_bytes() == src.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["articles", "elsewhere"]
    assert sorted(p.name for p in outside.iterdir()) == ["upload.txt"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01\x02binary" * 50, "binary"),
    ],
)
def test_save_upload_rejects_unreadable_files(tmp_path: Path, content: bytes, reason: str) -> None:
    src = tmp_path / "in.txt"
    src.write_bytes(content)
    with pytest.raises(UploadRejected, match=reason) as err:
        save_upload(src, "in.txt", tmp_path / "articles")
    assert "'in.txt'" in str(err.value) and str(tmp_path) not in str(err.value)
    assert not (tmp_path / "articles").exists() or not any((tmp_path / "articles").iterdir())


def test_save_upload_rejects_files_over_the_size_limit(tmp_path: Path) -> None:
    src = tmp_path / "big.txt"
    with open(src, "wb") as fh:  # sparse: the size is what counts, not the disk used
        fh.truncate(MAX_UPLOAD_BYTES + 1)
    with pytest.raises(UploadRejected, match="MB limit"):
        save_upload(src, "big.txt", tmp_path / "articles")
    assert not (tmp_path / "articles" / "big.txt").exists()
