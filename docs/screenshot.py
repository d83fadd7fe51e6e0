"""Make docs/ui-answer.png, the README's picture of the web UI answering the seed question.

    HF_HUB_OFFLINE=1 .venv/bin/python docs/screenshot.py

Indexes a copy of seeds/ in a temporary folder, serves the UI on a free loopback port, asks
the question in Debian's Chromium (driven by Playwright, as the browser tests do), opens
citation [1] in the source panel and saves the page. Nothing outside docs/ui-answer.png is
written; rerun it when the UI changes.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from askbrief import Settings, build_index
from askbrief.web.blocks import make_app, serving

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "ui-answer.png"
QUESTION = "What did Lavrov say about the ceasefire?"
CHROMIUM = "/usr/bin/chromium"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        articles = Path(tmp) / "seeds"
        shutil.copytree(ROOT / "seeds", articles)
        settings = Settings.load(articles_dir=articles, index_dir=Path(tmp) / "index")
        build_index(settings)
        with serving(make_app(settings=settings)) as url, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(url)
            expect(page.locator("#ab-status")).to_contain_text("article")
            page.locator("#ab-question textarea").fill(QUESTION)
            page.locator("#ab-question textarea").press("Enter")
            answer = page.locator("#ab-chat .ab-turn-0")
            expect(answer).to_be_visible()
            answer.locator("a.ab-cite").first.click()
            expect(page.locator("mark").first).to_be_visible()
            page.wait_for_timeout(500)  # let the panel scroll settle
            page.evaluate("window.scrollTo(0, 0)")
            page.locator("#ab-chat .ab-q").first.scroll_into_view_if_needed()
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(OUT))
            browser.close()
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
