"""The permalink page's handler and HTML over a store in memory (support.permalinks.MemoryStore):
the quoted version with its span in one <mark>, what became of the quote after a correction
(unchanged, changed with the new wording, removed), the links it offers, bad links as one line
with 400/404, the sign-in it stands behind, and escaping; the source panel's "Copy link".

Here, what needs no server; the app over HTTP: tests/system/test_quote_page.py; in Chromium:
tests/browser/test_quote_page.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from support.permalinks import (
    CHANGED,
    ELSEWHERE,
    QUOTE,
    REMOVED,
    TEXT,
    MemoryStore,
    marked,
    notice,
    problem,
)

from askbrief.access.rules import Access
from askbrief.ask.citation import permalink
from askbrief.records import version_of
from askbrief.web.permalink import citation_of, make_quote_page
from askbrief.web.quote_page import quote_links

URL = "https://news.example.org/2026/12/pier"
START = TEXT.index(QUOTE)
END = START + len(QUOTE)
V1 = version_of(TEXT)


class Team:
    """Access's answers for a signed-in app: rita is a user, gone was one."""

    signs_in = True

    def role(self, user: str | None) -> str | None:
        return "reader" if user == "rita" else None


def client(store: MemoryStore, access: Any = None, public_url: str = "") -> TestClient:
    page = make_quote_page(lambda: store, access or Access(), public_url)
    app = FastAPI(routes=[APIRoute("/quote", page, methods=["GET"])])
    app.cookie_id = "abc"  # type: ignore[attr-defined]  # what Gradio's App has
    app.tokens = {"t-rita": "rita", "t-gone": "gone"}  # type: ignore[attr-defined]
    return TestClient(app)


def link(version: str = V1, start: int = START, end: int = END, article: str = "pier") -> str:
    return permalink(article, version, start, end)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore("pier", TEXT, url=URL)


def test_the_current_version_opens_with_the_quote_marked(store: MemoryStore) -> None:
    reply = client(store).get(link())
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
    assert marked(reply.text) == QUOTE
    assert notice(reply.text) is None
    assert "This is the current version." in reply.text
    assert f'data-link="{link().replace("&", "&amp;")}"' in reply.text
    (source,) = re.findall(r'class="ab-at-source" href="([^"]+)"', reply.text)
    assert source.startswith(URL + "#:~:text=")
    assert "Harbour council approves the pier" in reply.text  # the title


def test_a_correction_elsewhere_leaves_the_quote_unchanged(store: MemoryStore) -> None:
    store.correct(ELSEWHERE, "2026-12-07T09:00:00+00:00")
    reply = client(store).get(link())
    assert reply.status_code == 200 and marked(reply.text) == QUOTE
    said = notice(reply.text)
    assert said is not None and said[0] == "unchanged"
    assert said[1] == (
        "This article was updated on 2026-12-07. The quoted words are unchanged in the "
        "current version."
    )
    # "Current version" opens the new version with the same words marked
    (current,) = re.findall(r'class="ab-current-version" href="([^"]+)"', reply.text)
    assert current.startswith("./quote?")
    newer = client(store).get("/" + current.removeprefix("./").replace("&amp;", "&"))
    assert marked(newer.text) == QUOTE and notice(newer.text) is None


def test_a_corrected_quote_shows_its_old_words_and_the_new_ones(store: MemoryStore) -> None:
    store.correct(CHANGED, "2026-12-08T10:00:00+00:00")
    reply = client(store).get(link())
    assert marked(reply.text) == QUOTE  # the words as quoted
    said = notice(reply.text)
    assert said is not None and said[0] == "changed"
    assert said[1].startswith("This article was updated on 2026-12-08. The quoted words have")
    new_words = QUOTE.replace("14 million", "16 million")
    assert f'<blockquote class="ab-now">{new_words}</blockquote>' in reply.text
    (source,) = re.findall(r'class="ab-at-source" href="([^"]+)"', reply.text)
    assert "16%20million" in source  # the original page now says the new words


def test_a_removed_quote_links_to_the_whole_current_version(store: MemoryStore) -> None:
    store.correct(REMOVED, "2026-12-09T10:00:00+00:00")
    reply = client(store).get(link())
    said = notice(reply.text)
    assert said is not None and said[0] == "removed" and "have been removed" in said[1]
    (current,) = re.findall(r'class="ab-current-version" href="([^"]+)"', reply.text)
    whole = client(store).get("/" + current.removeprefix("./").replace("&amp;", "&"))
    assert whole.status_code == 200 and marked(whole.text) is None
    assert "This is the current version." in whole.text and "Copy link" not in whole.text


def test_an_article_gone_from_the_folder_still_shows_the_quote(store: MemoryStore) -> None:
    store.current = None
    reply = client(store).get(link())
    assert reply.status_code == 200 and marked(reply.text) == QUOTE
    said = notice(reply.text)
    assert said is not None and "removed from the collection" in said[1]
    assert 'class="ab-current-version"' not in reply.text


@pytest.mark.parametrize(
    "query, status, says",
    [
        ("", 400, "is not a whole quote link"),
        ("?article=pier&version=x&span=9-2", 400, "names no article, version or span"),
        ("?article=pier&span=1-2", 400, "is not a whole quote link"),
        ("?article=nope&version=abc&span=1-2", 404, "no article 'nope' in the index"),
        ("?article=pier&version=000000000000&span=1-2", 404, "has no version '000000000000'"),
        (f"?article=pier&version={V1}&span=1-{len(TEXT) + 1}", 404, "is outside version"),
    ],
)
def test_a_bad_link_is_one_line_and_a_4xx(
    store: MemoryStore, query: str, status: int, says: str
) -> None:
    reply = client(store).get("/quote" + query)
    assert reply.status_code == status
    line = problem(reply.text)
    assert line is not None and says in line and "\n" not in line
    assert "Traceback" not in reply.text and "<mark" not in reply.text


def test_behind_sign_in_only_a_signed_in_user_sees_the_quote(store: MemoryStore) -> None:
    web = client(store, Team())
    anonymous = web.get(link())
    assert anonymous.status_code == 401
    assert 'id="ab-sign-in"' in anonymous.text and QUOTE not in anonymous.text
    assert "fetch('login'" in anonymous.text  # the app's own /login, then this page again
    for cookie in ("access-token-abc", "access-token-unsecure-abc"):
        web.cookies.clear()
        web.cookies.set(cookie, "t-rita")
        assert marked(web.get(link()).text) == QUOTE
    web.cookies.clear()
    web.cookies.set("access-token-abc", "forged")
    assert web.get(link()).status_code == 401
    web.cookies.clear()
    web.cookies.set("access-token-abc", "t-gone")  # signed in, then removed from the users
    gone = web.get(link())
    assert gone.status_code == 403 and "is not a user of this askbrief" in gone.text
    assert QUOTE not in gone.text


def test_everything_from_the_article_is_escaped() -> None:
    text = 'Breaking <b>news</b>\nHe said "<script>alert(1)</script>" & left. The end.'
    store = MemoryStore("x<y>", text, url="javascript:alert(2)", title="<img src=x onerror=1>")
    start = text.index("<script>")
    reply = client(store).get(permalink("x<y>", version_of(text), start, start + 26))
    assert reply.status_code == 200
    assert (
        "<script>alert" not in reply.text and "<img" not in reply.text and "<b>" not in reply.text
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply.text
    assert "x&lt;y&gt;" in reply.text
    assert 'href="javascript' not in reply.text and 'class="ab-at-source"' not in reply.text


def test_the_page_runs_only_its_own_script_and_loads_nothing(store: MemoryStore) -> None:
    reply = client(store).get(link())
    policy = reply.headers["content-security-policy"]
    (nonce,) = re.findall(r"script-src 'nonce-([^']+)'", policy)
    assert "default-src 'none'" in policy
    assert re.findall(r"<script([^>]*)>", reply.text) == [f' nonce="{nonce}"']
    assert "scrollIntoView" in reply.text
    assert not re.search(r'(src|href)="(https?:)?//', reply.text.replace(URL, ""))
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["referrer-policy"] == "no-referrer"


def test_copy_link_is_absolute_under_the_public_url(store: MemoryStore) -> None:
    reply = client(store, public_url="https://news.example.org/askbrief").get(link())
    expected = permalink("pier", V1, START, END, "https://news.example.org/askbrief")
    assert f'data-link="{expected.replace("&", "&amp;")}"' in reply.text


def test_a_whole_version_is_article_and_version_alone() -> None:
    whole = citation_of("article=pier&version=abc")
    assert (whole.article_id, whole.version, whole.start, whole.end) == ("pier", "abc", 0, 0)
    assert citation_of("article=pier&version=abc&span=2-5").end == 5


def test_the_panel_offers_copy_link_and_open_at_the_source() -> None:
    quote = {"n": 2, "permalink": "/quote?article=a&version=v&span=1-5"}
    html = quote_links(quote | {"source_link": URL + "#:~:text=pier"})
    assert 'data-link="/quote?article=a&amp;version=v&amp;span=1-5"' in html
    assert f'href="{URL}#:~:text=pier"' in html and "Open at the source" in html
    assert "Open at the source" not in quote_links(quote | {"source_link": None})
    assert "Open at the source" not in quote_links(quote | {"source_link": "javascript:x"})
    assert quote_links({"n": 1, "permalink": ""}) == "" and quote_links(None) == ""
