"""Driving the web UI's page in Chromium (Playwright): ask in the chat, read the quotes of an
answer, start a new chat. Screenshots of failures go to test-artifacts/."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from support.common import ROOT

ARTIFACTS = ROOT / "test-artifacts"
SLOW = 60_000  # ms: generous for a loaded 2-core machine


def ask(page: Page, question: str) -> Locator:
    """Type a question, press Enter, and return the finished answer of that turn."""
    turn = page.locator("#ab-chat .ab-q").count()
    page.locator("#ab-question textarea").fill(question)
    page.locator("#ab-question textarea").press("Enter")
    answer = page.locator(f"#ab-chat .ab-turn-{turn}")
    expect(answer).to_be_visible()
    return answer


def quote_texts(answer: Locator) -> list[str]:
    return [t.strip() for t in answer.locator(".ab-quote-text").all_inner_texts()]


def new_chat(page: Page) -> None:
    page.locator("#ab-clear").click()
    expect(page.locator("#ab-chat .ab-q")).to_have_count(0)
