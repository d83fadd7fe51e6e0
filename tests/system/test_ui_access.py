"""Serving past loopback: sign-in, roles, read-only, rate limits and the upload log, against real
servers on 127.0.0.1 (the app in-process, and `python app.py` in a child process), through
gradio_client, raw HTTP and Debian's Chromium driven by Playwright.

One signed-in app is shared by most of the module (users: an editor, a reader, and one user per
limit so that each test's counting starts at zero); the child process serves read-only with a
users file made by `askbrief users add` from standard input.

Here, what needs a server, a child process or a slow build; the rest:
tests/browser/test_ui_access.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from support.access import (
    FILE_LIMIT,
    FILES_PER_UPLOAD,
    KESTREL,
    PASSWORDS,
    QUESTION_LIMIT,
    article,
    client,
    note,
)
from support.common import ROOT, CountingEmbedder
from support.web import LiveApp, free_port

from askbrief.ingest.provenance import read_log, sha256_file

# ---------------------------------------------------------------- beyond loopback


def test_a_non_loopback_host_without_users_refuses_in_one_line(tmp_path: Path) -> None:
    """It exits before loading the model or listening: one line says what to give."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKBRIEF_")}
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "--host", "0.0.0.0", "--port", str(port)],
        cwd=tmp_path,
        env=env | {"HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert done.stdout == "" and "serving" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "--users FILE" in lines[0] and "ASKBRIEF_USERS" in lines[0]
    assert "askbrief users add" in lines[0] and "Traceback" not in done.stderr
    assert time.monotonic() - start < 60  # refused up front, not after building anything
    assert list(tmp_path.iterdir()) == []  # no index built, nothing written
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/", timeout=5)


def test_nothing_is_served_without_sign_in(signed_in_app: LiveApp) -> None:
    from gradio_client import Client

    with pytest.raises(ValueError, match="credentials"):
        Client(signed_in_app.url, verbose=False)
    for path in ("config", "gradio_api/info"):
        assert httpx.get(signed_in_app.url + path, timeout=30).status_code == 401
    call = httpx.post(
        signed_in_app.url + "gradio_api/call/ask", json={"data": ["Who?"]}, timeout=30
    )
    assert call.status_code == 401
    with pytest.raises(ValueError, match="Could not login"):
        Client(signed_in_app.url, auth=("rita", "not her password"), verbose=False)


def test_a_reader_cannot_upload_or_reindex_through_the_api(
    signed_in_app: LiveApp, tmp_path: Path
) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    rita = client(signed_in_app.url, "rita")
    assert rita.predict("What did Lavrov say about France?", api_name="/ask")["answered"]
    refused = "rita is a reader: only editors may upload articles or re-index."
    upload = article(tmp_path, "rita-news.txt", KESTREL)
    with pytest.raises(AppError, match=re.escape(refused)):
        rita.predict([handle_file(str(upload))], api_name="/add_articles")
    with pytest.raises(AppError, match=re.escape(refused)):
        rita.predict(api_name="/reindex")
    assert not (signed_in_app.settings.articles_dir / "rita-news.txt").exists()
    (record,) = [r for r in read_log(signed_in_app.settings.articles_dir) if r.user == "rita"]
    assert (record.file, record.accepted, record.reason) == ("rita-news.txt", False, refused)
    assert record.saved_as is None and record.sha256 == sha256_file(upload)


def test_the_question_limit_answers_with_its_message(
    signed_in_app: LiveApp, embedder: CountingEmbedder
) -> None:
    from gradio_client.exceptions import AppError

    from askbrief.web.blocks import Backend, make_respond

    quinn = client(signed_in_app.url, "quinn")
    for _ in range(QUESTION_LIMIT):
        quinn.predict("What did Lavrov say about France?", api_name="/ask")
    message = f"Rate limit reached: at most {QUESTION_LIMIT} questions per minute for each user"
    with pytest.raises(AppError, match=re.escape(message) + r"; try again in \d+ s\.") as err:
        quinn.predict("What did Lavrov say about France?", api_name="/ask")
    assert "\n" not in str(err.value)
    # the chat says it in place of an answer (the page's handler, as Gradio calls it)
    chat = make_respond(Backend(signed_in_app.settings, embedder), signed_in_app.app.access)
    *_, (messages, turns, _) = chat("Who?", [], request=SimpleNamespace(username="quinn"))
    assert message in messages[-1]["content"] and turns[-1]["answer"] is None
    # the limit is quinn's alone
    assert client(signed_in_app.url, "rita").predict("Will Trump and Putin meet?", api_name="/ask")


def test_uploads_are_capped_per_call_and_per_user(signed_in_app: LiveApp, tmp_path: Path) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    ulla = client(signed_in_app.url, "ulla")
    towns = ["Ashby", "Brill", "Corfe", "Dunwich"]
    files = [article(tmp_path, f"{t.lower()}.txt", note(t)) for t in towns]
    too_many = f"{len(files)} files in one upload; send at most {FILES_PER_UPLOAD} at a time."
    with pytest.raises(AppError, match=re.escape(too_many)):
        ulla.predict([handle_file(str(f)) for f in files], api_name="/add_articles")
    log, _status, _files = ulla.predict(
        [handle_file(str(f)) for f in files[:3]], api_name="/add_articles"
    )
    assert "saved ashby.txt" in log and "saved brill.txt" in log
    assert f"refused corfe.txt: Rate limit reached: at most {FILE_LIMIT} files per hour" in log
    assert "<b>Index updated:</b> added 2" in log, log
    records = [r for r in read_log(signed_in_app.settings.articles_dir) if r.user == "ulla"]
    assert [(r.file, r.accepted) for r in records] == [
        *[(f.name, False) for f in files],  # the whole of the refused upload, file by file
        ("ashby.txt", True),
        ("brill.txt", True),
        ("corfe.txt", False),
    ]
    assert all(r.reason == too_many for r in records[:4])
    assert not (signed_in_app.settings.articles_dir / "corfe.txt").exists()


def test_a_wrong_password_is_refused_and_slowed(read_only_app: tuple[str, Path, Path]) -> None:
    url, log, _ = read_only_app

    def attempt(name: str, password: str) -> tuple[int, float]:
        start = time.monotonic()
        response = httpx.post(
            url + "login", data={"username": name, "password": password}, timeout=60
        )
        return response.status_code, time.monotonic() - start

    tries = [attempt("rita", "guess-number-one"), attempt("rita", "guess-number-two")]
    tries.append(attempt("rita", "guess-number-three"))
    assert [code for code, _ in tries] == [400, 400, 400]
    first, second, third = (t for _, t in tries)
    # the default delay: none, then 1 s, then 2 s (plus the argon2 check each time)
    assert second > first + 0.7 and third > second + 0.7, tries
    code, unknown = attempt("nobody", "guess-number-one")
    assert code == 400 and unknown < 2.5  # unknown names are checked the same, not skipped
    assert attempt("alice", PASSWORDS["alice"])[0] == 200  # other names are not held up
    console = log.read_text(encoding="utf-8")
    assert "Traceback" not in console and "Incorrect" not in console, console
    assert "sign-in with" in console and "read-only" in console
