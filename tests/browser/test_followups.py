"""Follow-up questions on a real index: whether to answer is decided from the question alone,
so a conversation can neither make an unanswerable question answered nor change the quotes
of a question that stands on its own; earlier questions only help a dependent follow-up
("What did he call ...?") find its quotes. Checked through the library, the served app's
/ask endpoint and the chat in a real browser (Debian's Chromium), on two collections: the
shipped seed article alone, and the seed among unrelated articles written here.

Here, what runs in Chromium; the rest: tests/index/test_followups.py,
tests/system/test_followups.py."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from support.browser import ARTIFACTS, SLOW, ask, new_chat, quote_texts
from support.followups import CEASEFIRE, FERRY, UNANSWERABLE, Collection

from askbrief import Answer


def count_line(answer: Answer) -> str:
    n, m = len(answer.quotes), len(answer.sources)
    return f"{n} quote{'' if n == 1 else 's'} from {m} article{'' if m == 1 else 's'}"


# ---------------------------------------------------------------- the chat in a browser


@pytest.fixture(scope="module")
def page(browser: Browser, followup_url: str, followup_collection: Collection) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(SLOW)
    page.goto(followup_url)
    n = len(list(followup_collection.settings.articles_dir.iterdir()))
    expect(page.locator("#ab-status")).to_contain_text(f"{n} article{'' if n == 1 else 's'}")
    yield page
    page.close()


def test_chat_refuses_after_an_answered_question_and_says_why(
    page: Page, followup_collection: Collection
) -> None:
    alone = followup_collection.index.ask(UNANSWERABLE)
    assert alone.closest is not None
    new_chat(page)
    first = ask(page, CEASEFIRE)
    expect(first.locator("blockquote.ab-quote").first).to_be_visible()
    answer = ask(page, UNANSWERABLE)
    expect(answer).to_have_class(re.compile(r"\bab-none\b"))
    expect(answer).to_contain_text("The articles don't answer this.")
    expect(answer.locator(".ab-why")).to_have_text(alone.why)
    expect(answer.locator("blockquote")).to_have_count(0)
    expect(answer.locator("a.ab-cite")).to_have_count(0)
    closest = answer.locator("details.ab-closest")
    expect(closest).to_have_count(1)
    assert closest.get_attribute("open") is None
    assert closest.evaluate("el => el.open") is False
    expect(closest.locator("summary")).to_have_text("Closest passage — not an answer")
    expect(closest.locator(".ab-closest-text")).to_be_hidden()
    closest.locator("summary").click()
    expect(closest.locator(".ab-closest-text")).to_be_visible()
    expect(closest.locator(".ab-closest-text")).to_have_text(alone.closest.text.strip())
    expect(closest).to_contain_text(f"{alone.closest.title} [{alone.closest.start}, ")
    page.screenshot(
        path=str(ARTIFACTS / f"ui-refusal-{followup_collection.name}.png"), full_page=True
    )


def test_chat_answers_a_standalone_question_after_an_unrelated_one_as_alone(
    page: Page, followup_collection: Collection
) -> None:
    alone = followup_collection.index.ask(CEASEFIRE)
    new_chat(page)
    ask(page, FERRY)
    answer = ask(page, CEASEFIRE)
    assert quote_texts(answer) == [q.text for q in alone.quotes]
    expect(answer.locator(".ab-count")).to_have_text(count_line(alone))
    expect(answer.locator(".ab-sources li")).to_have_count(len(alone.sources))
