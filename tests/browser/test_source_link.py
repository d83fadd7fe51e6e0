"""source_link round-trips (issue 30, point 4): a quote's link to the original page opens
that page in Chromium with the quote, and only the quote, selected by its Text Fragment.

An HTML news page is served on 127.0.0.1; askbrief reads it as it reads any HTML article
(trafilatura's text and the page's canonical URL); each quote's `source_link` is made from
that text and opened in headless Chromium (Debian's, via Playwright).

What Chromium shows of a text fragment: it scrolls the match into view (to the middle of
the viewport) and paints it with the `::target-text` highlight. It does not select it:
`document.getSelection()` stays empty, and no DOM API says what matched. So the page styles
`::target-text` in a colour nothing else uses (magenta), wraps each cited quote in spans
that only the test reads, and the test checks the screenshot: magenta fills each line box
of the cited quote from its first character to its last, and is nowhere else; the page has
scrolled to it, and the other occurrence of its first words (near the top) is out of view.
The link is opened with page.goto, a navigation as a typed or pasted link makes (a click on
a link acts the same), each in a fresh tab so that no scroll or highlight carries over from
the link before. Scripts in the page never see the directive: `location.href` drops
everything from `:~:`.

The last test opens the same link without its prefix and finds the highlight on the first
occurrence near the top instead: the check can fail, and the prefix is what makes it pass.
Pure cases (encoding, context, long quotes) are tests/unit/test_fragment.py."""

from __future__ import annotations

import http.server
import io
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page
from support.browser import ARTIFACTS

from askbrief.ask.fragment import source_link
from askbrief.ingest.articles import extract_page

VIEWPORT = {"width": 1000, "height": 700}
WAIT = 15.0  # seconds for Chromium to scroll and paint the highlight
HIGHLIGHT = "rgb(255, 0, 255)"
SLACK = 2  # pixels: a line box's edges fall between pixels

# The quotes, as the page's text has them (the HTML escapes them); each cited far down.
REPEATED = "The budget will be cut by a third, officials said."
LONG = (
    "the mayor said the budget would be restored in full by the spring, after a long and "
    "bitter fight with the council's finance committee"
)
ACROSS = (
    "A&E nurses in Zürich-Nord, a low-rise block — saw 1,500 patients.",
    "Most were treated within four hours, the report found.",
)
PLAIN = "X-ray queues, at 40% & rising, worried the staff."


def filler(n: int) -> str:
    return (
        f"<p>Paragraph {n} of the council's report on the harbour works, the road repairs "
        f"and the <em>weather</em>, which goes on for a while so that lines wrap.</p>"
    )


def cite(text: str, name: str) -> str:
    """The quote as HTML in a span only the test reads (inline: it changes nothing a text
    fragment sees)."""
    escaped = text.replace("&", "&amp;")
    return f'<span class="{name}">{escaped}</span>'


def article_html(url: str) -> str:
    """A news page: its canonical URL, a summary near the top that repeats words cited far
    below, a hundred filler paragraphs between the cited quotes."""
    parts = [
        f"<p>{cite(REPEATED, 'd-repeated')} The cuts fall on every department.</p>",
        '<p class="decoy-long">Last year the mayor said the budget would be cut next year.</p>',
        *(filler(n) for n in range(1, 61)),
        f"<p>At the meeting on Tuesday the mayor told reporters: {cite(REPEATED, 'q-repeated')}</p>",
        *(filler(n) for n in range(61, 101)),
        f"<p>Later that week, {cite(LONG, 'q-long')}, officials confirmed.</p>",
        *(filler(n) for n in range(101, 141)),
        f"<p>The report came out on Friday. {cite(ACROSS[0], 'q-across')}</p>",
        f"<p>{cite(ACROSS[1], 'q-across')} Some waited longer.</p>",
        *(filler(n) for n in range(141, 181)),
        f"<p>In the clinic, {cite(PLAIN, 'q-plain')} Nobody said more.</p>",
        *(filler(n) for n in range(181, 221)),
    ]
    body = "\n".join(parts)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Council budget</title>
<link rel="canonical" href="{url}">
<style>
  body {{ font: 16px/1.5 serif; margin: 2em; max-width: 40em; }}
  ::target-text {{ background-color: {HIGHLIGHT}; color: rgb(0, 128, 0); }}
</style></head>
<body><article><h1>Council budget</h1>
{body}
</article></body></html>"""


@dataclass
class Site:
    url: str  # the article page
    text: str  # the article's text as askbrief reads it
    canonical: str | None


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """The page on 127.0.0.1 (a free port), served from a thread, and askbrief's reading of it."""
    pages: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("#", 1)[0])
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/news/council-budget"
        html = article_html(url)
        pages["/news/council-budget"] = html.encode()
        doc = extract_page(html)
        yield Site(url, doc.text, doc.url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def link_for(site: Site, quote: str) -> str:
    """The source_link of the last (the cited) occurrence of `quote` in the article's text."""
    at = site.text.rindex(quote)
    link = source_link(site.canonical, site.text, at, at + len(quote))
    assert link is not None and link.startswith(site.url + "#:~:text=")
    return link


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab per link: nothing of the link before (scroll, highlight) carries over."""
    page = browser.new_page(viewport=VIEWPORT)
    yield page
    page.close()


def boxes(page: Page, selector: str) -> list[tuple[float, float, float, float]]:
    """The line boxes (left, top, right, bottom; viewport pixels) of the elements matched."""
    return [
        tuple(r)
        for r in page.evaluate(
            """sel => Array.from(document.querySelectorAll(sel)).flatMap(e =>
                 Array.from(e.getClientRects()).map(r => [r.left, r.top, r.right, r.bottom]))""",
            selector,
        )
    ]


def highlight(page: Page) -> np.ndarray:
    """Where the viewport shows the ::target-text colour, as a boolean pixel mask."""
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    px = np.asarray(shot).astype(int)
    return (px[:, :, 0] > 200) & (px[:, :, 1] < 80) & (px[:, :, 2] > 200)


def problems(page: Page, cited: str, elsewhere: str | None) -> list[str]:
    """What is wrong with the selection: [] when exactly the cited quote is highlighted and
    in view, and the other occurrence (`elsewhere`) out of view."""
    height = page.evaluate("innerHeight")
    lines = boxes(page, cited)
    found: list[str] = []
    if not lines:
        return [f"no {cited} on the page"]
    if not all(top >= 0 and bottom <= height for _, top, _, bottom in lines):
        found.append(f"{cited} is not in view: {lines}")
    if elsewhere is not None:
        for _, top, _, bottom in boxes(page, elsewhere):
            if bottom > 0 and top < height:
                found.append(f"{elsewhere} is in view as well")
    mask = highlight(page)
    if not mask.any():
        return [*found, "nothing is highlighted"]
    inside = np.zeros_like(mask)
    for left, top, right, bottom in lines:
        x0, y0 = max(0, int(left) - SLACK), max(0, int(top) - SLACK)
        x1, y1 = int(right) + SLACK + 1, int(bottom) + SLACK + 1
        inside[y0:y1, x0:x1] = True
        rows = mask[int(top) + SLACK : int(bottom) - SLACK, x0:x1]
        columns = np.nonzero(rows.any(axis=0))[0]
        if not len(columns):
            found.append(f"the line {left:.0f}..{right:.0f} at {top:.0f} is not highlighted")
            continue
        first, last = x0 + columns[0], x0 + columns[-1]
        if abs(first - left) > SLACK or abs(last + 1 - right) > SLACK:
            found.append(
                f"the line {left:.0f}..{right:.0f} at {top:.0f} is highlighted {first}..{last + 1}"
            )
    outside = mask & ~inside
    if outside.any():
        ys, xs = np.nonzero(outside)
        found.append(
            f"{int(outside.sum())} highlighted pixels outside {cited}, e.g. at {xs[0]},{ys[0]}"
        )
    return found


def open_and_check(page: Page, link: str, cited: str, elsewhere: str | None, name: str) -> None:
    """Open the link as a reader would, wait for the scroll and the highlight, and fail with
    what is wrong (and a screenshot in test-artifacts/) unless exactly the quote is selected."""
    page.goto(link)
    deadline = time.monotonic() + WAIT
    while True:  # Chromium scrolls and paints the highlight after the load, in later frames
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        found = problems(page, cited, elsewhere)
        if not found or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if found:
        page.screenshot(path=str(ARTIFACTS / f"source-link-{name}.png"))
    assert not found, f"{link}: " + "; ".join(found)


def test_the_page_is_read_as_askbrief_reads_an_html_article(site: Site) -> None:
    assert site.canonical == site.url
    assert site.text.count(REPEATED) == 2
    assert site.text.count("the mayor said the budget would be") == 2
    assert f"{ACROSS[0]}\n{ACROSS[1]}" in site.text


def test_a_quote_that_occurs_twice_is_selected_where_it_is_cited(site: Site, page: Page) -> None:
    link = link_for(site, REPEATED)
    assert "-,The%20budget%20will%20be%20cut" in link  # a prefix tells the two apart
    open_and_check(page, link, ".q-repeated", None, "repeated")
    assert page.evaluate("scrollY") > 2000  # not the summary at the top


def test_a_long_quote_whose_first_words_occur_twice_is_selected_whole(
    site: Site, page: Page
) -> None:
    link = link_for(site, LONG)
    fragment = link.split("#:~:text=", 1)[1]
    assert fragment.count(",") == 2 and "-," in fragment  # prefix-,textStart,textEnd
    open_and_check(page, link, ".q-long", ".decoy-long", "long")


def test_a_quote_across_two_paragraphs_with_syntax_characters(site: Site, page: Page) -> None:
    link = link_for(site, f"{ACROSS[0]}\n{ACROSS[1]}")
    # textStart from the first paragraph, textEnd from the second: no term crosses a block
    assert link.endswith(
        "#:~:text=A%26E%20nurses%20in%20Z%C3%BCrich%2DNord%2C,hours%2C%20the%20report%20found."
    )
    open_and_check(page, link, ".q-across", None, "across")


def test_a_short_unique_quote_is_its_own_text_start(site: Site, page: Page) -> None:
    link = link_for(site, PLAIN)
    assert link.endswith(
        "#:~:text=X%2Dray%20queues%2C%20at%2040%25%20%26%20rising%2C%20worried%20the%20staff."
    )
    open_and_check(page, link, ".q-plain", None, "plain")


def test_without_its_prefix_the_link_selects_the_first_occurrence(site: Site, page: Page) -> None:
    """The control: the same check finds the highlight on the summary at the top when the
    prefix is dropped, so it can fail, and the prefix is what makes the link right."""
    link = link_for(site, REPEATED)
    page_url, fragment = link.split("#:~:text=", 1)
    wrong = f"{page_url}#:~:text={fragment.split('-,', 1)[1]}"
    open_and_check(page, wrong, ".d-repeated", ".q-repeated", "control")
    assert page.evaluate("scrollY") == 0
    found = problems(page, ".q-repeated", ".d-repeated")
    assert any("is not in view" in p for p in found), found
    assert any("not highlighted" in p for p in found), found
