"""The web UI in a real browser (Debian's Chromium driven by Playwright) against a real index:
ask, follow up, open a citation in the source panel, upload articles, and stay safe with
hostile article text. One page is shared by the module so the conversation builds up."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.browser import ARTIFACTS, ask, new_chat, quote_texts
from support.common import SEED_FILE, CountingEmbedder
from support.web import LiveApp, seeded_live_app

from askbrief import Index

SLOW = 60_000  # ms: generous for a loaded 2-core machine

LIGHTHOUSE = """Zorblat Island lighthouse gets a new lamp
The Zorblat Island lighthouse was repainted cobalt blue in March by volunteers from the harbour guild.
Keeper Ingrid Vasquez said the new lamp can be seen from forty-two kilometres away on a clear night.
The guild plans to open the tower to visitors every Saturday from June.
"""

HOSTILE = """Quillon harbour festival <script>window.__pwned=1</script> draws crowds
The Quillon harbour festival drew eleven thousand visitors <script>window.__pwned=1</script> to watch the paper boat parade on Sunday.
Organisers said the paper boats <img src=x onerror="window.__pwned=2"> were painted by local schoolchildren.
"""


@pytest.fixture(scope="module")
def live_app(
    tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder
) -> Iterator[LiveApp]:
    with seeded_live_app(tmp_path_factory.mktemp("ui"), embedder) as live:
        yield live


@pytest.fixture(scope="module")
def outside_requests() -> list[str]:
    return []


@pytest.fixture(scope="module")
def page(browser: Browser, live_app: LiveApp, outside_requests: list[str]) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(SLOW)
    page.on("request", lambda r: None if _is_local(r.url) else outside_requests.append(r.url))
    page.goto(live_app.url)
    expect(page.locator("#ab-status")).to_contain_text("1 article")
    yield page
    page.close()


def _is_local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))


def upload(page: Page, path: Path, saved: str) -> None:
    """Upload one file and wait until the log shows `saved` and then the finished update
    (the log of an earlier upload also says "Index updated", so `saved` must be new)."""
    page.locator("#ab-upload input[type=file]").set_input_files(str(path))
    done = re.compile(re.escape(saved) + r".*Index updated: added 1", re.S)
    expect(page.locator("#ab-upload-log")).to_have_text(done)


def article_count(page: Page) -> int:
    match = re.search(r"(\d+)\s+articles?", page.locator("#ab-status").inner_text())
    assert match, page.locator("#ab-status").inner_text()
    return int(match.group(1))


def test_question_about_lavrov_shows_quotes_and_citations(page: Page) -> None:
    answer = ask(page, "What did Lavrov say about the ceasefire?")
    quotes = quote_texts(answer)
    assert quotes and any("Lavrov" in q for q in quotes)
    seed = SEED_FILE.read_text(encoding="utf-8")
    assert all(q in seed for q in quotes)  # verbatim
    expect(answer.locator("blockquote.ab-quote").first).to_be_visible()
    expect(answer.locator("a.ab-cite").first).to_have_text("[1]")
    expect(answer.locator(".ab-sources")).to_contain_text("Russia rejects ceasefire talks")


def test_example_under_the_input_asks_its_question(page: Page) -> None:
    new_chat(page)
    page.locator("#ab-examples").get_by_text("Will Trump and Putin meet?").click()
    answer = page.locator("#ab-chat .ab-turn-0")
    expect(answer).to_be_visible()
    expect(page.locator("#ab-chat .ab-q")).to_have_text("Will Trump and Putin meet?")
    assert any("Putin" in q for q in quote_texts(answer))


def test_unanswerable_question_is_said_plainly(page: Page) -> None:
    new_chat(page)
    answer = ask(page, "Who won the football world cup in 1966?")
    expect(answer).to_contain_text("The articles don't answer this.")
    expect(answer.locator("blockquote")).to_have_count(0)
    expect(answer.locator(".ab-why")).to_have_text(re.compile(r"\S"))  # says why


def test_follow_up_uses_the_previous_question(
    page: Page, live_app: LiveApp, embedder: CountingEmbedder
) -> None:
    new_chat(page)
    first = "What did Lavrov say about the ceasefire?"
    follow_up = "What did he say about France?"
    ask(page, first)
    answer = ask(page, follow_up)
    expected = Index(live_app.settings, embedder).ask(follow_up, history=[first])
    assert quote_texts(answer) == [q.text for q in expected.quotes]
    assert any("France" in q for q in quote_texts(answer))
    expect(page.locator("#ab-chat .ab-q")).to_have_count(2)


def test_clicking_a_citation_highlights_the_quote_in_the_source(page: Page) -> None:
    answer = page.locator("#ab-chat .ab-turn-1")  # the follow-up about France
    quote = next(
        q for q in answer.locator("blockquote.ab-quote").all() if "France" in q.inner_text()
    )
    text = quote.locator(".ab-quote-text").inner_text().strip()
    cite = quote.locator("a.ab-cite")
    n = cite.inner_text().strip("[]")
    cite.click()
    source = page.locator("#ab-source")
    expect(source.locator(".ab-article-title")).to_have_text(
        "Russia rejects ceasefire talks with Ukraine, demands legal guarantees amid "
        "diplomatic standoff"
    )
    mark = source.locator("mark.ab-current")
    expect(mark).to_have_count(1)
    assert mark.get_attribute("data-n") == n
    assert mark.text_content() == text  # exactly the quote, character for character
    seed = SEED_FILE.read_text(encoding="utf-8")
    start = seed.index(text)
    assert seed[start : start + len(text)] == mark.text_content()
    expect(mark).to_be_in_viewport()
    assert source.locator("mark").count() == answer.locator("blockquote.ab-quote").count()
    page.screenshot(path=str(ARTIFACTS / "ui.png"), full_page=True)


def test_uploaded_article_is_indexed_and_answers(
    page: Page, live_app: LiveApp, tmp_path: Path
) -> None:
    before = article_count(page)
    path = tmp_path / "zorblat-lighthouse.txt"
    path.write_text(LIGHTHOUSE, encoding="utf-8")
    upload(page, path, saved="saved zorblat-lighthouse.txt")
    log = page.locator("#ab-upload-log")
    expect(log).to_contain_text("added 1, updated 0, removed 0")
    expect(page.locator("#ab-status")).to_contain_text(f"{before + 1} articles")
    assert (live_app.settings.articles_dir / "zorblat-lighthouse.txt").read_text() == LIGHTHOUSE

    new_chat(page)
    answer = ask(page, "How far away can the Zorblat lighthouse lamp be seen?")
    assert any("forty-two kilometres" in q for q in quote_texts(answer))
    expect(answer.locator(".ab-sources")).to_contain_text("Zorblat Island lighthouse")
    answer.locator("a.ab-cite").first.click()
    expect(page.locator("#ab-source .ab-article-title")).to_have_text(
        "Zorblat Island lighthouse gets a new lamp"
    )

    # The same name again is saved under a new name, never over the first file. (Other
    # text: an identical copy would be saved too, but indexed once, as the first.)
    again = tmp_path / "again" / "zorblat-lighthouse.txt"
    again.parent.mkdir()
    again.write_text(LIGHTHOUSE.replace("in March", "in April"), encoding="utf-8")
    upload(page, again, saved="saved zorblat-lighthouse.txt (as zorblat-lighthouse-2.txt)")
    assert (live_app.settings.articles_dir / "zorblat-lighthouse.txt").read_text() == LIGHTHOUSE
    assert (live_app.settings.articles_dir / "zorblat-lighthouse-2.txt").read_bytes() == (
        again.read_bytes()
    )


def test_rejected_upload_is_explained(page: Page, tmp_path: Path) -> None:
    before = page.locator("#ab-status").inner_text()
    path = tmp_path / "empty.txt"
    path.write_text("   \n", encoding="utf-8")
    page.locator("#ab-upload input[type=file]").set_input_files(str(path))
    expect(page.locator("#ab-upload-log")).to_contain_text("rejected 'empty.txt': file is empty")
    assert page.locator("#ab-status").inner_text() == before


def test_hostile_article_renders_as_text_and_never_runs(page: Page, tmp_path: Path) -> None:
    path = tmp_path / "quillon.txt"
    path.write_text(HOSTILE, encoding="utf-8")
    upload(page, path, saved="saved quillon.txt")
    new_chat(page)
    answer = ask(page, "How many visitors did the Quillon harbour festival draw?")
    # (the sentence splitter may cut the quote at "window.": the full tag is checked below)
    assert any("visitors <script>window." in q for q in quote_texts(answer))
    expect(answer.locator(".ab-sources")).to_contain_text(
        "Quillon harbour festival <script>window.__pwned=1</script> draws crowds"
    )
    answer.locator("a.ab-cite").first.click()
    source = page.locator("#ab-source")
    expect(source.locator(".ab-article-title")).to_contain_text("<script>window.__pwned=1</script>")
    expect(source.locator(".ab-text")).to_contain_text('<img src=x onerror="window.__pwned=2">')
    assert page.evaluate("typeof window.__pwned") == "undefined"
    for scope in ("#ab-source", "#ab-chat .ab-answer"):
        assert page.locator(f"{scope} script").count() == 0
        assert page.locator(f"{scope} img").count() == 0
    page.screenshot(path=str(ARTIFACTS / "ui-hostile-upload.png"), full_page=True)


HOSTILE_FEED = {
    "id": "vellmoor-gallery",
    "title": 'Vellmoor gallery <img src=x onerror="window.__pwned=3"> opens',
    "source": '<svg onload="window.__pwned=4"></svg>Wire',
    "published": '<iframe src="javascript:window.__pwned=5"></iframe>2024',
    "url": "javascript:window.__pwned=6",
    "text": "The Vellmoor gallery opened on Friday with 212 bronze sculptures on show.\n"
    "Curator Odile Marchetti said <b>every</b> piece was cast in the town foundry.",
}


def test_hostile_titles_and_metadata_render_as_text(page: Page, tmp_path: Path) -> None:
    """Markup in a title, source, date or URL (here from .jsonl fields) is shown as text
    in the answer, the sources list, the source panel and the upload log; none of it runs."""
    import json

    path = tmp_path / "vellmoor.jsonl"
    path.write_text(json.dumps(HOSTILE_FEED) + "\n", encoding="utf-8")
    upload(page, path, saved="saved vellmoor.jsonl")
    new_chat(page)
    answer = ask(page, "How many bronze sculptures did the Vellmoor gallery show?")
    assert any("212 bronze sculptures" in q for q in quote_texts(answer))
    expect(answer.locator(".ab-sources")).to_contain_text(HOSTILE_FEED["title"])
    expect(answer.locator(".ab-sources")).to_contain_text("<svg onload=")
    answer.locator("a.ab-cite").first.click()
    source = page.locator("#ab-source")
    expect(source.locator(".ab-article-title")).to_have_text(HOSTILE_FEED["title"])
    expect(source.locator(".ab-article-head")).to_contain_text("<iframe src=")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    for scope in ("#ab-source .ab-article", "#ab-chat .ab-answer", "#ab-chat .ab-q", ".ab-log"):
        for tag in ("img", "svg", "iframe", "script"):
            assert page.locator(f"{scope} {tag}").count() == 0, (scope, tag)
    assert page.locator('#ab-source a[href^="javascript:"]').count() == 0


def test_page_fetched_nothing_from_outside(page: Page, outside_requests: list[Any]) -> None:
    assert outside_requests == []


def test_status_line_follows_a_rebuild_made_outside_the_app(
    page: Page, live_app: LiveApp, embedder: CountingEmbedder
) -> None:
    """A CLI rebuild shows in the open page's status line without a reload (timer refresh)."""
    from askbrief import build_index

    before = article_count(page)
    (live_app.settings.articles_dir / "outside-build.txt").write_text(
        "Harbour ferry timetable changes\nThe winter ferry now leaves the harbour at 7:40.\n",
        encoding="utf-8",
    )
    build_index(live_app.settings, embedder)
    expect(page.locator("#ab-status")).to_contain_text(f"{before + 1} articles", timeout=30_000)
