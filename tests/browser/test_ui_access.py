"""Serving past loopback: sign-in, roles, read-only, rate limits and the upload log, against real
servers on 127.0.0.1 (the app in-process, and `python app.py` in a child process), through
gradio_client, raw HTTP and Debian's Chromium driven by Playwright.

One signed-in app is shared by most of the module (users: an editor, a reader, and one user per
limit so that each test's counting starts at zero); the child process serves read-only with a
users file made by `askbrief users add` from standard input.

Here, what runs in Chromium; the rest: tests/system/test_ui_access.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.access import KESTREL, PASSWORDS, ROLES, article, client, note
from support.browser import ARTIFACTS
from support.web import LiveApp

from askbrief.access.rules import READ_ONLY
from askbrief.ingest.provenance import read_log, sha256_file

SLOW = 60_000  # ms: generous for a loaded 2-core machine


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


def test_a_reader_asks_in_the_browser_and_sees_no_upload_area(
    browser: Browser, signed_in_app: LiveApp
) -> None:
    page = sign_in(browser, signed_in_app.url, "rita")
    answer = ask_in(page, "What did Lavrov say about the ceasefire?")
    expect(answer.locator("blockquote.ab-quote").first).to_be_visible()
    expect(answer).to_contain_text("Lavrov")
    # the role arrived with the same page-load event as the name above, so this is settled
    expect(page.locator("#ab-upload")).to_have_count(0)
    expect(page.locator("#ab-reindex")).to_have_count(0)
    expect(page.get_by_text("Add articles")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "ui-reader.png"))
    page.context.close()


def test_an_editor_uploads_in_the_browser_and_the_article_is_answerable(
    browser: Browser, signed_in_app: LiveApp, tmp_path: Path
) -> None:
    page = sign_in(browser, signed_in_app.url, "alice")
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
        + [
            "--index",
            str(signed_in_app.settings.location.path),
            "--articles",
            str(signed_in_app.settings.articles_dir),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=120,
    )
    assert shown.returncode == 0 and shown.stdout == KESTREL, shown.stderr
    assert added.search(shown.stderr), shown.stderr
    saved = signed_in_app.settings.articles_dir / "kestrel.txt"
    assert saved.read_text(encoding="utf-8") == KESTREL
    (record,) = [
        r for r in read_log(signed_in_app.settings.articles_dir) if r.file == "kestrel.txt"
    ]
    assert (record.user, record.accepted, record.saved_as) == ("alice", True, "kestrel.txt")
    assert record.sha256 == sha256_file(saved) and record.at.endswith("Z")
    # editors can also re-index the folder (here: a file put there by hand)
    article(signed_in_app.settings.articles_dir, "by-hand.txt", note("Pellworth"))
    page.locator("#ab-reindex").click()
    expect(page.locator("#ab-upload-log")).to_contain_text("added 1")
    page.context.close()
    summary = client(signed_in_app.url, "alice").predict(api_name="/reindex")
    assert summary["summary"].startswith("added 0, updated 0, removed 0")


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
