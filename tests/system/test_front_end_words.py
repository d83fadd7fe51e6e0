"""Each front end speaks its own terms (issue 27, item 10): what a web user or an API caller
is told never names a CLI command or flag (`askbrief query`, `--since`, `--articles`), and
what the launcher tells its operator names the setting they actually made (ASKBRIEF_HOST or
--host). Through the HTTP API of a served app, the chat's own event, the CLI and `python
app.py` in a child process. (The date boxes and the source panel, in a browser:
tests/browser/test_ui_input.py.)

Here, what needs a server, a child process or a slow build; the rest:
tests/index/test_front_end_words.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.common import ROOT, CountingEmbedder
from support.web import ask_in_chat, serve
from support.words import EMPTY

from askbrief.config import Settings

CLI_WORDS = re.compile(r"--[a-z]|`?askbrief (?:query|index|stats|users)")


@pytest.fixture(scope="module")
def url(seeded: Settings, embedder: CountingEmbedder) -> Iterator[str]:
    from askbrief.web.blocks import make_app

    with serve(make_app(settings=seeded, embedder=embedder)) as served:
        yield served


def app_error(call: Any) -> str:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as caught:
        call()
    return str(caught.value)


def test_an_empty_question_over_the_api_names_no_cli_command(url: str) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    for blank in ("   ", "\x00 \x01"):
        message = app_error(lambda b=blank: client.predict(b, api_name="/ask"))
        assert message == EMPTY
        message = app_error(lambda b=blank: client.predict(b, [], api_name="/ask_followup"))
        assert message == EMPTY


def test_an_empty_question_in_the_chat_names_no_cli_command(url: str) -> None:
    for blank in ("\x00 \x01", "  "):
        reply = ask_in_chat(url, blank)[-1]
        assert reply["role"] == "assistant" and "ab-error" in reply["content"]
        assert "question is empty" in reply["content"].lower()
        assert not CLI_WORDS.search(reply["content"]), reply["content"]


@pytest.fixture(scope="module")
def bare_url(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Iterator[str]:
    """An app with no index yet and no articles folder: what a fresh install serves."""
    from askbrief.web.blocks import make_app

    root = tmp_path_factory.mktemp("bare")
    settings = Settings.load(articles_dir=root / "articles", index_dir=root / "index")
    with serve(make_app(settings=settings, embedder=embedder)) as served:
        yield served


def test_no_index_over_the_api_is_said_in_the_apps_words(bare_url: str) -> None:
    from gradio_client import Client

    client = Client(bare_url, verbose=False)
    message = app_error(lambda: client.predict("Who is Lavrov?", api_name="/ask"))
    assert "no index yet" in message and not CLI_WORDS.search(message), message
    message = app_error(lambda: client.predict(api_name="/reindex"))
    assert "articles folder" in message and "does not exist" in message
    assert not CLI_WORDS.search(message), message


def launch(tmp_path: Path, args: list[str], host_env: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKBRIEF_")}
    env |= {"HF_HUB_OFFLINE": "1"} | ({"ASKBRIEF_HOST": host_env} if host_env else {})
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_launcher_names_the_host_setting_the_operator_made(tmp_path: Path) -> None:
    from_env = launch(tmp_path, [], host_env="0.0.0.0")
    assert from_env.returncode != 0
    said = from_env.stderr.strip()
    assert said.startswith("Error: ASKBRIEF_HOST=0.0.0.0 serves beyond this machine"), said
    assert "--host" not in said and len(said.splitlines()) == 1
    from_flag = launch(tmp_path, ["--host", "0.0.0.0"], host_env="127.0.0.1")
    assert from_flag.returncode != 0
    assert from_flag.stderr.strip().startswith("Error: --host 0.0.0.0 serves beyond")
    assert "ASKBRIEF_HOST" not in from_flag.stderr
