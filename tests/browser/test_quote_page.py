"""Quote permalinks in Chromium, on both stores (a FAISS folder and a Milvus Lite .db): a
quote's permalink opened directly shows the quote in a <mark>, scrolled into view; after the
article is corrected elsewhere the old link says the quote is unchanged; after the quoted
sentence itself is corrected it still shows the quoted words and says they changed, with the
new wording. The source panel's "Copy link" copies the absolute permalink and "Open at the
source" opens the article's page at the quote; behind sign-in, the link opens after signing in.

Here, what runs in Chromium; over HTTP: tests/system/test_quote_page.py; the page's HTML:
tests/unit/test_quote_page.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.access import PASSWORDS, client
from support.browser import ARTIFACTS, SLOW, ask
from support.common import SEED_Q, STORES, CountingEmbedder, store_at
from support.permalinks import (
    CHANGED,
    ELSEWHERE,
    QUESTION,
    QUOTE,
    URL,
    correct,
    pier_settings,
    the_quote,
    today,
)
from support.web import LiveApp, serve

# An open store looks for a newer build at most once a second (Milvus; FAISS at once).
NEW_BUILD_SEEN = 1.2


@pytest.fixture(scope="module", params=STORES)
def pier_app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    embedder: CountingEmbedder,
) -> Iterator[LiveApp]:
    from askbrief.web.blocks import make_app

    root = tmp_path_factory.mktemp(f"pier-{request.param}")
    settings = pier_settings(root, store_at(root, request.param), embedder)
    app = make_app(settings=settings, embedder=embedder)
    with serve(app) as url:
        yield LiveApp(url, settings, app)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # a short window, so the quote, far down the article, is out of sight unless scrolled to
    context = browser.new_context(viewport={"width": 1100, "height": 600})
    context.set_default_timeout(SLOW)
    yield context.new_page()
    context.close()


def pier_quote(url: str) -> dict[str, Any]:
    from gradio_client import Client

    answer = Client(url, verbose=False).predict(QUESTION, api_name="/ask")
    return the_quote(answer["quotes"])


def test_a_permalink_opens_its_quote_in_view(pier_app: LiveApp, page: Page) -> None:
    quote = pier_quote(pier_app.url)
    page.goto(pier_app.url + quote["permalink"].lstrip("/"))
    mark = page.locator("mark")
    expect(mark).to_have_count(1)
    assert mark.inner_text() == quote["text"]
    expect(mark).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0  # it was below the fold: the page scrolled
    expect(page.locator(".ab-notice")).to_have_count(0)
    expect(page.get_by_text("This is the current version.")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Harbour council approves the pier")


def test_the_source_panel_copies_the_link_and_opens_the_source(
    pier_app: LiveApp, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=pier_app.url[:-1])
    context.set_default_timeout(SLOW)
    page = context.new_page()
    try:
        page.goto(pier_app.url)
        answer = ask(page, QUESTION)
        quote = pier_quote(pier_app.url)
        answer.locator("blockquote.ab-quote", has_text=QUOTE).locator("a.ab-cite").click()
        panel = page.locator("#ab-source")
        copy = panel.locator("button.ab-copy")
        expect(copy).to_be_visible()
        copy.click()
        expect(copy).to_have_text("Copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == pier_app.url + quote["permalink"].lstrip("/")
        at_source = panel.locator("a.ab-at-source")
        expect(at_source).to_have_text("Open at the source")
        href = at_source.get_attribute("href")
        assert href is not None and href.startswith(URL + "#:~:text=")
        assert href == quote["source_link"]
        # the link copied opens the quote
        page.goto(copied)
        assert page.locator("mark").inner_text() == quote["text"]
    finally:
        context.close()


def test_without_the_clipboard_the_link_is_shown_to_copy(pier_app: LiveApp, page: Page) -> None:
    quote = pier_quote(pier_app.url)
    page.goto(pier_app.url + quote["permalink"].lstrip("/"))
    page.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.locator("button.ab-copy").click()
    shown = page.locator("input.ab-link-shown")
    expect(shown).to_be_focused()
    expect(shown).to_have_value(pier_app.url + quote["permalink"].lstrip("/"))


def test_behind_sign_in_the_link_opens_after_signing_in(signed_in_app: LiveApp, page: Page) -> None:
    quote = client(signed_in_app.url, "rita").predict(SEED_Q, api_name="/ask")["quotes"][0]
    page.goto(signed_in_app.url + quote["permalink"].lstrip("/"))
    expect(page.locator("#ab-sign-in")).to_be_visible()
    expect(page.locator("mark")).to_have_count(0)
    page.get_by_label("password").fill("wrong")
    page.get_by_label("username").fill("rita")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#ab-sign-in-said")).to_have_text("Wrong user name or password.")
    page.get_by_label("username").fill("rita")
    page.get_by_label("password").fill(PASSWORDS["rita"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("mark")).to_have_text(quote["text"])
    expect(page.locator("mark")).to_be_in_viewport()


# Last: it corrects the module's article, which the tests above quote as first written.
def test_old_links_say_what_became_of_the_quote_after_corrections(
    pier_app: LiveApp, page: Page, embedder: CountingEmbedder
) -> None:
    quote = pier_quote(pier_app.url)
    link = pier_app.url + quote["permalink"].lstrip("/")
    assert ELSEWHERE[0] not in quote["text"] and CHANGED[0] in quote["text"]

    # the article corrected elsewhere: the quote stands
    correct(pier_app.settings, ELSEWHERE, embedder)
    time.sleep(NEW_BUILD_SEEN)
    page.goto(link)
    notice = page.locator(".ab-notice")
    expect(notice).to_have_attribute("data-status", "unchanged")
    expect(notice).to_have_text(
        f"This article was updated on {today()}. The quoted words are unchanged in the "
        "current version."
    )
    assert page.locator("mark").inner_text() == quote["text"]
    expect(page.locator("mark")).to_be_in_viewport()

    # the quoted sentence itself corrected: the old words, and the new ones
    correct(pier_app.settings, CHANGED, embedder)
    time.sleep(NEW_BUILD_SEEN)
    page.goto(link)
    expect(notice).to_have_attribute("data-status", "changed")
    expect(notice).to_contain_text(f"This article was updated on {today()}.")
    expect(notice).to_contain_text("The quoted words have changed in the current version")
    new_words = QUOTE.replace(*CHANGED)
    expect(notice.locator(".ab-now")).to_contain_text(new_words)
    assert page.locator("mark").inner_text() == quote["text"]  # still as quoted
    expect(page.locator("mark")).to_be_in_viewport()
    expect(notice).to_be_in_viewport()  # it stays at the top while the quote is in view
    assert CHANGED[0] in page.locator("mark").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"quote-changed-{pier_app.settings.location.kind}.png"))

    # "Current version" opens the corrected text with the new words marked, no notice
    page.locator("a.ab-current-version").click()
    expect(page.locator("mark")).to_contain_text(new_words)
    expect(page.locator("mark")).to_be_in_viewport()
    expect(page.locator(".ab-notice")).to_have_count(0)
