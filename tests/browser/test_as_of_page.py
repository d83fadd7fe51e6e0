"""The page's "As of" date, in a real browser (Debian's Chromium via Playwright) over a real
index: filled in from the app's --as-of, it moves what "this week" in a question means; the
reader may change it, and a value that is not a date is an error naming the box."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from support.common import CountingEmbedder
from support.dated import FLOOD_REPORTS, THIS_WEEK

from askbrief import Settings, build_index
from askbrief.web.backend import serving

SLOW = 60_000


@pytest.fixture(scope="module")
def page(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder
) -> Iterator[Page]:
    from askbrief.web.blocks import make_app

    root = tmp_path_factory.mktemp("asofpage")
    (root / "articles").mkdir()
    lines = "".join(json.dumps(a) + "\n" for a in FLOOD_REPORTS)
    (root / "articles" / "wire.jsonl").write_text(lines, encoding="utf-8")
    settings = Settings.load(articles_dir=root / "articles", index_dir=root / "index")
    build_index(settings, embedder)
    app = make_app(settings=replace(settings, as_of=date(2024, 2, 9)), embedder=embedder)
    with serving(app) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(SLOW)
        page.goto(url)
        yield page
        page.close()


def ask(page: Page, question: str) -> Locator:
    turn = page.locator("#ab-chat .ab-q").count()
    page.locator("#ab-question textarea").fill(question)
    page.locator("#ab-question textarea").press("Enter")
    answer = page.locator(f"#ab-chat .ab-turn-{turn}")
    expect(answer).to_be_visible(timeout=SLOW)
    return answer


def test_the_as_of_box_moves_this_week(page: Page) -> None:
    box = page.locator("#ab-as-of textarea, #ab-as-of input").first
    expect(box).to_be_visible()  # the dates are unfolded: the app has an as-of date
    expect(box).to_have_value("2024-02-09")
    then = ask(page, THIS_WEEK)
    expect(then.locator(".ab-window")).to_contain_text("from 2024-02-05 to 2024-02-09")
    expect(then.locator(".ab-quote").first).to_contain_text("12 people were killed")
    box.fill("2024-02-16")
    later = ask(page, THIS_WEEK)
    expect(later.locator(".ab-window")).to_contain_text("from 2024-02-12 to 2024-02-16")
    expect(later.locator(".ab-quote").first).to_contain_text("rose to 15")
    box.fill("last friday")
    bad = ask(page, THIS_WEEK)
    expect(bad).to_contain_text(
        "the As of date 'last friday' is not a date; use YYYY-MM-DD, e.g. 2026-03-01"
    )
    expect(bad).not_to_contain_text("--as-of")
