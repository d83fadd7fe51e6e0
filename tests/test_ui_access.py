"""Serving past loopback: sign-in, roles, read-only, rate limits and the upload log, against real
servers on 127.0.0.1 (the app in-process, and `python app.py` in a child process), through
gradio_client, raw HTTP and Debian's Chromium driven by Playwright.

One signed-in app is shared by most of the module (users: an editor, a reader, and one user per
limit so that each test's counting starts at zero); the child process serves read-only with a
users file made by `askbrief users add` from standard input."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from conftest import ARTIFACTS, ROOT, CountingEmbedder
from playwright.sync_api import Browser, Page, expect
from ui_fixtures import LiveApp, app_py, free_port, seeded_settings, serve

from askbrief.access.rules import READ_ONLY
from askbrief.access.users import add_user
from askbrief.ingest.provenance import read_log, sha256_file

SLOW = 60_000  # ms: generous for a loaded 2-core machine
PASSWORDS = {
    "alice": "alice-edits-2024",  # editor
    "rita": "rita-reads-2024",  # reader
    "quinn": "quinn-asks-a-lot",  # reader, for the question limit
    "ulla": "ulla-uploads-a-lot",  # editor, for the upload limits
}
ROLES = {"alice": "editor", "rita": "reader", "quinn": "reader", "ulla": "editor"}
QUESTION_LIMIT = 3  # per minute
FILE_LIMIT = 2  # per hour
FILES_PER_UPLOAD = 3

KESTREL = """Kestrel Bay ferry resumes winter crossings
The Kestrel Bay ferry resumed its winter crossings on Monday after the harbour authority repaired the north pier.
Captain Odile Brannock said the ferry will sail eleven times a day until the end of February.
"""


def article(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def note(town: str) -> str:
    return f"{town} library opens a reading room\nThe {town} library opened a new reading room for local history on Tuesday.\n"


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


# ---------------------------------------------------------------- the signed-in app


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("team") / "team.json"
    for name, password in PASSWORDS.items():
        add_user(path, name, ROLES[name], password)
    return path


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder, team: Path
) -> Iterator[LiveApp]:
    from askbrief.web.blocks import make_app

    settings = dataclasses.replace(
        seeded_settings(tmp_path_factory.mktemp("signed-in"), embedder),
        users=str(team),
        question_limit=f"{QUESTION_LIMIT}/minute",
        upload_limit=f"{FILE_LIMIT}/hour",
        files_per_upload=FILES_PER_UPLOAD,
    )
    app = make_app(settings=settings, embedder=embedder)
    with serve(app) as url:
        yield LiveApp(url, settings, app)


def client(url: str, name: str) -> Any:
    from gradio_client import Client

    return Client(url, auth=(name, PASSWORDS[name]), verbose=False)


def sign_in(browser: Browser, url: str, name: str) -> Page:
    """A fresh browser session (its own cookies) signed in through Gradio's login form."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(SLOW)
    page.goto(url)
    page.get_by_label("username").fill(name)
    page.get_by_label("password").fill(PASSWORDS[name])
    page.get_by_role("button", name="Login").click()
    expect(page.locator("#ab-user")).to_contain_text(f"Signed in as {name} ({ROLES[name]})")
    expect(page.locator("#ab-status")).to_contain_text("article")
    return page


def ask_in(page: Page, question: str) -> Any:
    turn = page.locator("#ab-chat .ab-q").count()
    page.locator("#ab-question textarea").fill(question)
    page.locator("#ab-question textarea").press("Enter")
    answer = page.locator(f"#ab-chat .ab-turn-{turn}")
    expect(answer).to_be_visible()
    return answer


def test_nothing_is_served_without_sign_in(live: LiveApp) -> None:
    from gradio_client import Client

    with pytest.raises(ValueError, match="credentials"):
        Client(live.url, verbose=False)
    for path in ("config", "gradio_api/info"):
        assert httpx.get(live.url + path, timeout=30).status_code == 401
    call = httpx.post(live.url + "gradio_api/call/ask", json={"data": ["Who?"]}, timeout=30)
    assert call.status_code == 401
    with pytest.raises(ValueError, match="Could not login"):
        Client(live.url, auth=("rita", "not her password"), verbose=False)


def test_a_reader_asks_in_the_browser_and_sees_no_upload_area(
    browser: Browser, live: LiveApp
) -> None:
    page = sign_in(browser, live.url, "rita")
    answer = ask_in(page, "What did Lavrov say about the ceasefire?")
    expect(answer.locator("blockquote.ab-quote").first).to_be_visible()
    expect(answer).to_contain_text("Lavrov")
    # the role arrived with the same page-load event as the name above, so this is settled
    expect(page.locator("#ab-upload")).to_have_count(0)
    expect(page.locator("#ab-reindex")).to_have_count(0)
    expect(page.get_by_text("Add articles")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "ui-reader.png"))
    page.context.close()


def test_a_reader_cannot_upload_or_reindex_through_the_api(live: LiveApp, tmp_path: Path) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    rita = client(live.url, "rita")
    assert rita.predict("What did Lavrov say about France?", api_name="/ask")["answered"]
    refused = "rita is a reader: only editors may upload articles or re-index."
    upload = article(tmp_path, "rita-news.txt", KESTREL)
    with pytest.raises(AppError, match=re.escape(refused)):
        rita.predict([handle_file(str(upload))], api_name="/add_articles")
    with pytest.raises(AppError, match=re.escape(refused)):
        rita.predict(api_name="/reindex")
    assert not (live.settings.articles_dir / "rita-news.txt").exists()
    (record,) = [r for r in read_log(live.settings.articles_dir) if r.user == "rita"]
    assert (record.file, record.accepted, record.reason) == ("rita-news.txt", False, refused)
    assert record.saved_as is None and record.sha256 == sha256_file(upload)


def test_an_editor_uploads_in_the_browser_and_the_article_is_answerable(
    browser: Browser, live: LiveApp, tmp_path: Path
) -> None:
    page = sign_in(browser, live.url, "alice")
    expect(page.locator("#ab-upload")).to_be_visible()
    upload = article(tmp_path, "kestrel.txt", KESTREL)
    page.locator("#ab-upload input[type=file]").set_input_files(str(upload))
    done = re.compile(r"kestrel\.txt.*Index updated: added 1", re.S)
    expect(page.locator("#ab-upload-log")).to_have_text(done)
    answer = ask_in(page, "How many times a day will the Kestrel Bay ferry sail?")
    expect(answer.locator(".ab-quote-text").first).to_contain_text("eleven times a day")
    # who added it shows in the source panel, and in `askbrief show`
    answer.locator("a.ab-cite").first.click()
    added = re.compile(r"Added by alice on \d{4}-\d\d-\d\d \d\d:\d\d UTC through the web UI")
    expect(page.locator("#ab-source")).to_contain_text(added)
    shown = subprocess.run(
        [str(Path(sys.executable).parent / "askbrief"), "show", "kestrel.txt"]
        + ["--index", str(live.settings.location.path), "--articles", str(live.settings.articles_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=120,
    )
    assert shown.returncode == 0 and shown.stdout == KESTREL, shown.stderr
    assert added.search(shown.stderr), shown.stderr
    saved = live.settings.articles_dir / "kestrel.txt"
    assert saved.read_text(encoding="utf-8") == KESTREL
    (record,) = [r for r in read_log(live.settings.articles_dir) if r.file == "kestrel.txt"]
    assert (record.user, record.accepted, record.saved_as) == ("alice", True, "kestrel.txt")
    assert record.sha256 == sha256_file(saved) and record.at.endswith("Z")
    # editors can also re-index the folder (here: a file put there by hand)
    article(live.settings.articles_dir, "by-hand.txt", note("Pellworth"))
    page.locator("#ab-reindex").click()
    expect(page.locator("#ab-upload-log")).to_contain_text("added 1")
    page.context.close()
    summary = client(live.url, "alice").predict(api_name="/reindex")
    assert summary["summary"].startswith("added 0, updated 0, removed 0")


def test_the_question_limit_answers_with_its_message(
    live: LiveApp, embedder: CountingEmbedder
) -> None:
    from gradio_client.exceptions import AppError

    from askbrief.web.blocks import Backend, make_respond

    quinn = client(live.url, "quinn")
    for _ in range(QUESTION_LIMIT):
        quinn.predict("What did Lavrov say about France?", api_name="/ask")
    message = f"Rate limit reached: at most {QUESTION_LIMIT} questions per minute for each user"
    with pytest.raises(AppError, match=re.escape(message) + r"; try again in \d+ s\.") as err:
        quinn.predict("What did Lavrov say about France?", api_name="/ask")
    assert "\n" not in str(err.value)
    # the chat says it in place of an answer (the page's handler, as Gradio calls it)
    chat = make_respond(Backend(live.settings, embedder), live.app.access)
    *_, (messages, turns, _) = chat("Who?", [], request=SimpleNamespace(username="quinn"))
    assert message in messages[-1]["content"] and turns[-1]["answer"] is None
    # the limit is quinn's alone
    assert client(live.url, "rita").predict("Will Trump and Putin meet?", api_name="/ask")


def test_uploads_are_capped_per_call_and_per_user(live: LiveApp, tmp_path: Path) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    ulla = client(live.url, "ulla")
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
    records = [r for r in read_log(live.settings.articles_dir) if r.user == "ulla"]
    assert [(r.file, r.accepted) for r in records] == [
        *[(f.name, False) for f in files],  # the whole of the refused upload, file by file
        ("ashby.txt", True),
        ("brill.txt", True),
        ("corfe.txt", False),
    ]
    assert all(r.reason == too_many for r in records[:4])
    assert not (live.settings.articles_dir / "corfe.txt").exists()


# ---------------------------------------------------------------- `python app.py --read-only`


@pytest.fixture(scope="module")
def read_only_app(
    tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder
) -> Iterator[tuple[str, Path, Path]]:
    """app.py with a users file made by `askbrief users add` (password on stdin) and
    --read-only; yields its URL, its console log and its articles folder."""
    root = tmp_path_factory.mktemp("read-only")
    settings = seeded_settings(root, embedder)
    team = root / "team.json"
    for name in ("alice", "rita"):
        done = subprocess.run(
            [sys.executable, "-m", "askbrief", "users", "add", name, "--role", ROLES[name]],
            input=PASSWORDS[name] + "\n",
            env=os.environ | {"ASKBRIEF_USERS": str(team)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    log = root / "console.log"
    with app_py(settings, log, extra=["--users", str(team), "--read-only"]) as url:
        yield url, log, settings.articles_dir


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


def test_read_only_refuses_uploads_even_to_editors(
    read_only_app: tuple[str, Path, Path], tmp_path: Path, browser: Browser
) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    url, log, articles = read_only_app
    alice = client(url, "alice")
    upload = article(tmp_path, "kestrel.txt", KESTREL)
    with pytest.raises(AppError, match=re.escape(READ_ONLY)):
        alice.predict([handle_file(str(upload))], api_name="/add_articles")
    with pytest.raises(AppError, match=re.escape(READ_ONLY)):
        alice.predict(api_name="/reindex")
    assert alice.predict("What did Lavrov say about France?", api_name="/ask")["answered"]
    assert not (articles / "kestrel.txt").exists()
    (record,) = read_log(articles)
    assert (record.user, record.accepted, record.reason) == ("alice", False, READ_ONLY)
    page = sign_in(browser, url, "alice")
    expect(page.locator("#ab-user")).to_contain_text(READ_ONLY)
    expect(page.locator("#ab-upload")).to_have_count(0)
    page.context.close()
    assert "Traceback" not in log.read_text(encoding="utf-8")
