"""The permalink page as a route of the app Gradio serves: GET /quote?article=ID&version=V&
span=START-END (ask/citation.py makes and reads the links). It opens at once, with no
question asked first. `article` and `version` alone (no span) show that whole version; the
page links there when the quoted words left the current version.

Gradio builds a new FastAPI app at every launch(); AskbriefBlocks.launch hands it these
routes through `app_kwargs` (FastAPI's own `routes=`), so `python app.py`, `askbrief ui` and
the tests' in-process servers all serve the page, under the same sign-in as the rest:
with a users file, a request without the session cookie Gradio's /login set gets the sign-in
form (HTTP 401) in place of the quote, and signing in there reloads the quote.

A bad link is one line on the page with HTTP 400 (malformed) or 404 (no such article,
version or span); nothing is logged for it, as for the API's bad calls.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from askbrief.access.rules import Access
from askbrief.ask.citation import PERMALINK_PATH, Citation, Standing, check, parse_permalink
from askbrief.ask.citation import permalink as make_permalink
from askbrief.ask.fragment import source_link
from askbrief.errors import AskbriefError, NoIndexError
from askbrief.records import version_of
from askbrief.store.base import ReadStore
from askbrief.web.backend import Backend, web_words
from askbrief.web.quote_page import (
    PageLinks,
    render_problem_page,
    render_quote_page,
    render_sign_in_page,
)

SIGN_IN = "Sign in to read this quote."
NO_INDEX = "There is no index yet, so no quote to show: an editor must add articles first."


def permalink_routes(backend: Backend, access: Access) -> list[APIRoute]:
    """The routes to serve beside Gradio's: the permalink page."""
    page = make_quote_page(lambda: backend.open_index().store, access, backend.settings.public_url)
    return [APIRoute(PERMALINK_PATH, page, methods=["GET"], include_in_schema=False)]


def make_quote_page(
    open_store: Callable[[], ReadStore], access: Access, public_url: str = ""
) -> Callable[[Request], HTMLResponse]:
    """The page's handler, over the store `open_store` gives (the app's open index)."""

    def quote_page(request: Request) -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        if access.signs_in:
            user = signed_in(request)
            if user is None:
                return _html(render_sign_in_page(SIGN_IN, nonce), 401, nonce)
            if access.role(user) is None:
                gone = f"{user!r} is not a user of this askbrief (any more); sign in again."
                return _html(render_problem_page(gone, nonce), 403, nonce)
        try:
            cited = citation_of(request.url.query)
        except AskbriefError as err:
            return _html(render_problem_page(str(err), nonce), 400, nonce)
        try:
            store = open_store()
        except NoIndexError:
            return _html(render_problem_page(NO_INDEX, nonce), 503, nonce)
        except AskbriefError as err:
            return _html(render_problem_page(web_words(str(err)), nonce), 503, nonce)
        try:
            standing = check(store, cited)
        except AskbriefError as err:
            return _html(render_problem_page(str(err), nonce), 404, nonce)
        links = page_links(store, standing, public_url)
        html = render_quote_page(standing, links, saved_on(store, cited), nonce)
        return _html(html, 200, nonce)

    return quote_page


def citation_of(query: str) -> Citation:
    """The link's citation: a quote link (parse_permalink), or `article` and `version` alone,
    which name a whole version (an empty span at 0)."""
    fields = parse_qs(query, keep_blank_values=True)
    if set(fields) == {"article", "version"}:
        (article_id,), (version,) = fields["article"], fields["version"]
        if len(fields["article"]) == len(fields["version"]) == 1 and article_id and version:
            return Citation(article_id, version, 0, 0)
    return parse_permalink(f"{PERMALINK_PATH}?{query}" if query else PERMALINK_PATH)


def page_links(store: ReadStore, standing: Standing, public_url: str = "") -> PageLinks:
    """What the page links to: its own permalink (to copy), the current version (where the
    quoted words are now, or the whole current text) and the original page at the quote."""
    cited, article = standing.citation, standing.article
    whole = cited.end <= cited.start
    copy = make_permalink(cited.article_id, cited.version, cited.start, cited.end, public_url)
    version = standing.current_version
    current = store.article(cited.article_id) if version else None
    if current is not None and version_of(current.text) != version:
        current = None  # corrected again since check(): link to no span of a text not shown
    if standing.status == "current" or current is None or version is None:
        found = None if whole else source_link(article.url, article.text, cited.start, cited.end)
        return PageLinks(copy, None, found or _bare(article.url))
    if standing.now_span and not whole and standing.status in ("unchanged", "changed"):
        start, end = standing.now_span
        here = "." + make_permalink(cited.article_id, version, start, end)
        return PageLinks(copy, here, source_link(current.url, current.text, start, end))
    query = urlencode({"article": cited.article_id, "version": version})
    return PageLinks(copy, f".{PERMALINK_PATH}?{query}", _bare(current.url))


def saved_on(store: ReadStore, cited: Citation) -> str | None:
    """The day the cited version was first indexed (YYYY-MM-DD)."""
    versions = store.versions(cited.article_id)
    return next((v.saved_at[:10] for v in versions if v.version == cited.version), None) or None


def _bare(url: str | None) -> str | None:
    """The original page without a quote to select (source_link's check of the URL)."""
    return source_link(url, "", 0, 0)


def signed_in(request: Request) -> str | None:
    """Whom Gradio signed this browser in as: its session cookie's token, looked up in the
    app's tokens as Gradio's own routes do; None when there is none (or the app is not a
    Gradio app), so an unknown request is never taken for a signed-in one."""
    app = request.app
    cookie_id, tokens = getattr(app, "cookie_id", None), getattr(app, "tokens", None)
    if not isinstance(cookie_id, str) or not isinstance(tokens, dict):
        return None
    token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(
        f"access-token-unsecure-{cookie_id}"
    )
    user = tokens.get(token) if token else None
    return user if isinstance(user, str) else None


def _html(body: str, status: int, nonce: str) -> HTMLResponse:
    """The page with headers that keep it to itself: no caching (it depends on the index
    and on who is signed in), no referrer sent to the original page, and a policy that lets
    it load nothing from anywhere and run only its own script."""
    policy = (
        "default-src 'none'; base-uri 'none'; form-action 'self'; connect-src 'self'; "
        f"style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'"
    )
    headers = {
        "Cache-Control": "no-store",
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    return HTMLResponse(body, status_code=status, headers=headers)
