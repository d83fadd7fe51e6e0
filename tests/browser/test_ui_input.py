"""What the chat does with input it cannot ask (issue 27, items 6, 9, 10 and 11), in a real
browser (Debian's Chromium via Playwright) on a real index of dated articles:

- an empty or blank question gets a clear note, not silence;
- a question too long to ask is echoed shortened, beside its error;
- the From and To boxes take YYYY-MM-DD only, and their errors name the boxes, never the
  CLI's --since/--until;
- a refusal that shows its closest passage does not say that nothing is close;
- a citation whose article has since been removed says so in the page's words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from support.common import CountingEmbedder
from support.dated import ARTICLES, build_dated
from support.web import serve

from askbrief.ask.index import MAX_QUESTION_CHARS
from askbrief.config import Settings

SLOW = 60_000
QUICK = 15_000  # for what needs no answer from the index
DEATHS = "How many people were killed in the Kellin flood?"
FORMAT = "use YYYY-MM-DD, e.g. 2026-03-01"
CLI_WORDS = re.compile(r"--[a-z]|askbrief (?:query|index|stats)")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Settings:
    return build_dated(tmp_path_factory.mktemp("uiinput"), embedder, ARTICLES)


@pytest.fixture(scope="module")
def page(browser: Browser, settings: Settings, embedder: CountingEmbedder) -> Iterator[Page]:
    from askbrief.web.blocks import make_app

    with serve(make_app(settings=settings, embedder=embedder)) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(SLOW)
        page.goto(url)
        expect(page.locator("#ab-status")).to_contain_text("article")
        yield page
        page.close()


def box(page: Page) -> Locator:
    return page.locator("#ab-question textarea")


def ask(page: Page, question: str) -> Locator:
    """Type a question, press Enter, and return the finished reply of that turn."""
    turn = page.locator("#ab-chat .ab-q").count()
    box(page).fill(question)
    box(page).press("Enter")
    reply = page.locator(f"#ab-chat .ab-turn-{turn}")
    expect(reply).to_be_visible()
    return reply


def set_dates(page: Page, since: str, until: str) -> None:
    dates = page.locator("#ab-dates")
    if not page.locator("#ab-since").is_visible():
        dates.get_by_text("Dates", exact=True).click()
    page.locator("#ab-since textarea, #ab-since input").first.fill(since)
    page.locator("#ab-until textarea, #ab-until input").first.fill(until)


def test_an_empty_or_blank_question_gets_a_clear_note(page: Page) -> None:
    asked = page.locator("#ab-chat .ab-q").count()
    for blank, send in (("", "click"), ("   \n\t  ", "enter")):
        box(page).fill(blank)
        if send == "click":
            page.locator("#ab-ask").click()
        else:
            box(page).press("Enter")
        note = page.locator("#ab-chat .ab-error").last
        expect(note).to_be_visible(timeout=QUICK)
        expect(note).to_contain_text("The question is empty", timeout=QUICK)
        expect(note).to_contain_text("type a question in the box")
        assert not CLI_WORDS.search(note.inner_text())
        # nothing was asked: no question bubble, and the note is not a turn of the chat
        expect(page.locator("#ab-chat .ab-q")).to_have_count(asked)
    # the next real question replaces the note with its answer
    answer = ask(page, DEATHS)  # the note is turn 0 too: wait for the answer itself
    expect(answer.locator(".ab-quote").first).to_be_visible(timeout=60_000)
    expect(page.locator("#ab-chat .ab-error")).to_have_count(0)


def test_an_overlong_question_is_echoed_shortened(page: Page) -> None:
    long_question = "Why " + "did the river flood the village " * 330 + "?"
    assert len(long_question) > MAX_QUESTION_CHARS
    reply = ask(page, long_question)
    expect(reply).to_contain_text("characters long")
    expect(reply).to_contain_text(f"keep it under {MAX_QUESTION_CHARS}")
    shown = page.locator("#ab-chat .ab-q").last.inner_text().strip()
    assert len(shown) <= 201 and shown.endswith("\u2026"), len(shown)
    assert shown.startswith("Why did the river flood the village")
    # nowhere in the chat is the question whole
    assert "did the river flood the village " * 10 not in page.locator("#ab-chat").inner_text()


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("2026-13-01", "", f"the From date '2026-13-01' is not a date; {FORMAT}"),
        ("yesterday", "", f"the From date 'yesterday' is not a date; {FORMAT}"),
        ("", "2024-02-30", f"the To date '2024-02-30' is not a date; {FORMAT}"),
        (
            "2024-02-16",
            "2024-02-10",
            "the From date 2024-02-16 is after the To date 2024-02-10; swap them",
        ),
    ],
)
def test_the_date_boxes_take_yyyy_mm_dd_and_speak_of_themselves(
    page: Page, since: str, until: str, message: str
) -> None:
    set_dates(page, since, until)
    reply = ask(page, DEATHS)
    expect(reply).to_have_class(re.compile(r"\bab-error\b"))
    expect(reply).to_have_text(message)
    assert not CLI_WORDS.search(reply.inner_text())


def test_good_dates_still_keep_the_answer_to_them(page: Page) -> None:
    set_dates(page, "2024-02-10", "")
    answer = ask(page, DEATHS)
    expect(answer.locator(".ab-window")).to_contain_text("articles from 2024-02-10 on")
    expect(answer.locator(".ab-quote .ab-date").first).to_have_text("2024-02-16")
    set_dates(page, "", "")


def test_a_refusal_with_its_closest_passage_does_not_say_nothing_is_close(
    page: Page,
) -> None:
    refusal = ask(page, "What is the price of tungsten?")
    expect(refusal).to_have_class(re.compile(r"\bab-none\b"))
    expect(refusal.locator("details.ab-closest")).to_have_count(1)
    why = refusal.locator(".ab-why").inner_text()
    assert why, "a refusal says why"
    # "Nothing in the articles is close", "No article ... is close": untrue beside a closest
    assert not re.search(r"\b(?:nothing|no)\b[^.]*\bclose\b", why, re.I), why


def test_a_citation_whose_article_is_gone_says_so_in_the_pages_words(
    page: Page, settings: Settings
) -> None:
    """Last: it removes the flood reports from the articles and updates the index."""
    answer = ask(page, DEATHS)
    cited = answer.locator("a.ab-cite").first
    expect(cited).to_be_visible()
    kept = [a for a in ARTICLES if not a["id"].startswith("flood")]
    wire = settings.articles_dir / "wire.jsonl"
    wire.write_text("\n".join(json.dumps(a) for a in kept) + "\n", encoding="utf-8")
    page.locator("#ab-reindex").click()
    expect(page.locator("#ab-upload-log")).to_contain_text("Index updated", timeout=SLOW)
    cited.click()
    panel = page.locator("#ab-source")
    expect(panel.locator(".ab-error")).to_contain_text("no longer in the index")
    assert not CLI_WORDS.search(panel.inner_text()), panel.inner_text()
