"""The permalink page over HTTP, served by the app itself: /ask gives every quote a version and
a permalink, and GET on the permalink returns the quoted version with exactly the quote in its
<mark>; bad links are one line with 400/404 and leave no traceback on the server's console
(`python app.py`); with a users file the page is behind the app's sign-in.

Here, what needs a server; the page's HTML over a store in memory:
tests/unit/test_quote_page.py; in Chromium, and the links after a correction, on both stores:
tests/browser/test_quote_page.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.access import PASSWORDS, client
from support.common import SEED_Q, CountingEmbedder, store_at
from support.permalinks import QUESTION, marked, notice, pier_settings, problem, the_quote
from support.web import LiveApp, app_py, serve

from askbrief import Settings
from askbrief.ask.citation import parse_permalink
from askbrief.records import version_of


@pytest.fixture(scope="module")
def pier(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Settings:
    root = tmp_path_factory.mktemp("pier")
    return pier_settings(root, store_at(root, "faiss"), embedder)


@pytest.fixture(scope="module")
def pier_app(pier: Settings, embedder: CountingEmbedder) -> Iterator[LiveApp]:
    from askbrief.web.blocks import make_app

    app = make_app(settings=pier, embedder=embedder)
    with serve(app) as url:
        yield LiveApp(url, pier, app)


def ask(url: str, question: str, auth: tuple[str, str] | None = None) -> dict[str, Any]:
    from gradio_client import Client

    answer: dict[str, Any] = Client(url, auth=auth, verbose=False).predict(
        question, api_name="/ask"
    )
    assert answer["answered"], answer
    return answer


def test_ask_gives_each_quote_a_permalink_that_opens_exactly_it(pier_app: LiveApp) -> None:
    answer = ask(pier_app.url, QUESTION)
    with httpx.Client(base_url=pier_app.url, timeout=60) as web:
        for quote in answer["quotes"]:
            cited = parse_permalink(quote["permalink"])
            assert quote["permalink"].startswith("/quote?")  # no public_url: a path
            assert (cited.article_id, cited.start, cited.end) == (
                quote["article_id"],
                quote["start"],
                quote["end"],
            )
            assert cited.version == quote["version"]
            page = web.get(quote["permalink"])
            assert page.status_code == 200, page.text
            assert marked(page.text) == quote["text"]
            assert notice(page.text) is None  # the version quoted is the current one
    pier_quote = the_quote(answer["quotes"])
    record = json.loads((pier_app.settings.articles_dir / "pier.jsonl").read_text("utf-8"))
    assert pier_quote["version"] == version_of(record["text"])  # the text's hash


def test_bad_links_say_one_line_and_leave_the_console_quiet(pier: Settings, tmp_path: Path) -> None:
    """Through `python app.py`, whose console is what an operator sees."""
    log = tmp_path / "console.log"
    good = ask_direct(pier)
    cited = parse_permalink(good)
    bad = {
        "/quote": 400,
        "/quote?article=pier&version=v&span=9-2": 400,
        "/quote?article=pier&version=v&span=a-b": 400,
        "/quote?article=no-such&version=v&span=1-2": 404,
        f"/quote?article=pier&version=000000000000&span={cited.start}-{cited.end}": 404,
        f"/quote?article=pier&version={cited.version}&span=1-99999999": 404,
    }
    with app_py(pier, log) as url, httpx.Client(base_url=url, timeout=60) as web:
        assert marked(web.get(good).text) is not None
        for link, status in bad.items():
            page = web.get(link)
            assert page.status_code == status, (link, page.text)
            line = problem(page.text)
            assert line and "\n" not in line, page.text
            assert "Traceback" not in page.text and marked(page.text) is None
    console = log.read_text(encoding="utf-8")
    assert "Traceback" not in console and "ERROR" not in console, console


def ask_direct(settings: Settings) -> str:
    """The pier quote's permalink, from the library (no server)."""
    from askbrief import open_index

    index = open_index(settings.location.path)
    try:
        answer = index.ask(QUESTION)
    finally:
        index.store.close()
    return str(the_quote([q.__dict__ for q in answer.quotes])["permalink"])


def test_behind_sign_in_the_page_needs_the_same_sign_in(signed_in_app: LiveApp) -> None:
    answer = client(signed_in_app.url, "alice").predict(SEED_Q, api_name="/ask")
    quote = answer["quotes"][0]
    with httpx.Client(base_url=signed_in_app.url, timeout=60) as anonymous:
        refused = anonymous.get(quote["permalink"])
        assert refused.status_code == 401
        assert quote["text"] not in refused.text and marked(refused.text) is None
        assert 'id="ab-sign-in"' in refused.text
        # a made-up session cookie is no sign-in
        anonymous.cookies.set("access-token-unsecure-x", "forged")
        assert anonymous.get(quote["permalink"]).status_code == 401
    with httpx.Client(base_url=signed_in_app.url, timeout=60) as web:
        wrong = web.post("/login", data={"username": "alice", "password": "not hers"})
        assert wrong.status_code == 400
        assert web.get(quote["permalink"]).status_code == 401
        signed = web.post("/login", data={"username": "alice", "password": PASSWORDS["alice"]})
        assert signed.status_code == 200, signed.text
        page = web.get(quote["permalink"])
        assert page.status_code == 200 and marked(page.text) == quote["text"]
        # signing out closes it again
        web.get("/logout")
        assert web.get(quote["permalink"]).status_code == 401
