"""Dates, time windows and sources that differ in the web UI: through the /ask_between API
and in a real browser (Debian's Chromium via Playwright), on dated articles.

Here, what runs in Chromium; the rest: tests/system/test_ui_time.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.dated import DEATHS

SLOW = 60_000


@pytest.fixture(scope="module")
def page(browser: Browser, dated_url: str) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(SLOW)
    page.goto(dated_url)
    yield page
    page.close()


def ask(page: Page, question: str) -> Any:
    turn = page.locator("#ab-chat .ab-q").count()
    page.locator("#ab-question textarea").fill(question)
    page.locator("#ab-question textarea").press("Enter")
    answer = page.locator(f"#ab-chat .ab-turn-{turn}")
    expect(answer).to_be_visible(timeout=SLOW)
    return answer


def test_sources_differ_shown_newest_first_with_dates(page: Page) -> None:
    answer = ask(page, DEATHS)
    differ = answer.locator(".ab-differ")
    expect(differ).to_be_visible()
    expect(differ.locator(".ab-differ-h")).to_have_text("Sources differ")
    values = [v.strip() for v in differ.locator(".ab-value").all_inner_texts()]
    assert values == ["15", "12"]
    expect(differ).to_contain_text("2024-02-16")
    expect(answer.locator(".ab-quote .ab-date").first).to_have_text("2024-02-16")
    agree = ask(page, "How many panels does the Porto Vell solar farm have?")
    expect(agree.locator(".ab-quote").first).to_be_visible()
    expect(agree.locator(".ab-differ")).to_have_count(0)


def test_time_words_and_the_date_range(page: Page) -> None:
    week = ask(page, "How many people were killed in the Kellin flood this week?")
    expect(week.locator(".ab-window")).to_contain_text(
        "Searched articles from 2024-02-12 to 2024-02-16"
    )
    expect(week.locator(".ab-window")).to_contain_text("undated articles included")
    page.locator("#ab-dates").get_by_text("Dates", exact=True).click()
    page.locator("#ab-until textarea, #ab-until input").first.fill("2024-02-10")
    early = ask(page, DEATHS)
    expect(early.locator(".ab-window")).to_contain_text("articles up to 2024-02-10")
    expect(early.locator(".ab-quote .ab-date").first).to_have_text("2024-02-05")
    page.locator("#ab-until textarea, #ab-until input").first.fill("someday")
    bad = ask(page, DEATHS)
    expect(bad).to_contain_text("the To date 'someday' is not a date")
