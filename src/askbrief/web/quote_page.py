"""HTML of the permalink page (/quote?article=ID&version=V&span=START-END): the quoted version
of an article with the quote in a <mark> scrolled into view, what became of the quoted words
since (a notice when the article was corrected), links to the current version and to the
original page; the one-line page for a bad link; the sign-in form that stands in for it
until a reader signs in. Also the source panel's "Copy link" and "Open at the source".

Pure functions to HTML strings, as render.py: no gradio, no I/O. Everything from an
article goes through esc(); the page loads nothing from elsewhere, and its one script runs
under the response's nonce (web/permalink.py sends the Content-Security-Policy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from askbrief.ask.citation import Standing
from askbrief.dates import article_date
from askbrief.web.render import esc


@dataclass(frozen=True)
class PageLinks:
    copy: str  # the link "Copy link" copies: absolute under public_url, else a path
    current: str | None = None  # the current version's page (relative), when this is older
    source: str | None = None  # the original page, at the quote when it is still there


def is_web(url: str | None) -> bool:
    """Only http(s) URLs become links: an article's `javascript:` URL stays text."""
    return bool(url) and str(url).strip().lower().startswith(("http://", "https://"))


# --------------------------------------------------------------------------- the source panel


def quote_links(quote: Mapping[str, Any] | None) -> str:
    """Under the source panel's title: "Copy link" for the quote clicked (its permalink, the
    version it was quoted from) and, for an article on the web, "Open at the source"."""
    if not quote or not quote.get("permalink"):
        return ""
    parts = [copy_button(str(quote["permalink"]))]
    if is_web(quote.get("source_link")):
        parts.append(at_source(str(quote["source_link"])))
    return f'<div class="ab-meta ab-cite-links">[{esc(quote["n"])}] {" · ".join(parts)}</div>'


def copy_button(link: str) -> str:
    return f'<button type="button" class="ab-copy" data-link="{esc(link)}">Copy link</button>'


def at_source(url: str) -> str:
    return (
        f'<a class="ab-at-source" href="{esc(url)}" target="_blank" '
        'rel="noopener noreferrer">Open at the source</a>'
    )


# A click on any button.ab-copy copies its link made absolute (against the page's own
# address when the app has no public_url); where the clipboard is out of reach (a page not
# served over https or from this machine, or permission refused) the link is shown, selected.
COPY_JS = """
if (!window.__askbriefCopyHandler) {
  window.__askbriefCopyHandler = (event) => {
    const button = event.target && event.target.closest ? event.target.closest('button.ab-copy') : null;
    if (!button) return;
    event.preventDefault();
    const link = button.dataset.link || '';
    const url = /^https?:/i.test(link) ? link : new URL(link.startsWith('/') ? '.' + link : link, document.baseURI).href;
    const label = button.dataset.label || (button.dataset.label = button.textContent);
    const show = () => {
      let box = button.parentElement.querySelector('input.ab-link-shown');
      if (!box) {
        box = document.createElement('input');
        box.className = 'ab-link-shown';
        box.readOnly = true;
        box.setAttribute('aria-label', 'Link to this quote');
        button.after(box);
      }
      box.value = url;
      box.focus();
      box.select();
    };
    const copied = () => {
      button.textContent = 'Copied';
      setTimeout(() => { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(url).then(copied, show);
    else show();
  };
  document.addEventListener('click', window.__askbriefCopyHandler);
}
"""

# --------------------------------------------------------------------------- the page

PAGE_CSS = """
:root { color-scheme: light dark; --accent: #4f46e5; --subdued: #64748b; --line: #e2e8f0;
  --box: #f8fafc; --note: #fffbeb; --note-line: #d97706; }
@media (prefers-color-scheme: dark) { :root { --accent: #a5b4fc; --subdued: #94a3b8;
  --line: #334155; --box: #1e293b; --note: #292524; } }
body { margin: 0; font: 16px/1.5 ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem 1.25rem 4rem; }
a { color: var(--accent); }
.ab-home { font-weight: 600; text-decoration: none; }
h1 { font-size: 1.45em; margin: .6em 0 .2em; }
.ab-meta { color: var(--subdued); font-size: .9em; }
.ab-bar { position: sticky; top: 0; z-index: 1; background: Canvas; padding: .5em 0;
  border-bottom: 1px solid var(--line); }
.ab-links { margin: .3em 0 0; }
.ab-notice { margin: .2em 0 .4em; padding: .6em .9em; border-radius: 6px; background: var(--note);
  border: 1px solid var(--note-line); max-height: 40vh; overflow-y: auto; }
.ab-now { margin: .4em 0 0; padding: .3em .8em; border-left: 3px solid var(--note-line); }
.ab-problem { margin: 2em 0; font-size: 1.05em; }
.ab-text { white-space: pre-wrap; line-height: 1.65; margin-top: 1em; }
mark { background: #fbbf24; color: #1f2937; border-radius: 2px; padding: 0 1px;
  box-shadow: 0 0 0 2px #d97706; }
button.ab-copy { font: inherit; color: var(--accent); background: none; border: 1px solid
  var(--line); border-radius: 4px; padding: 0 .45em; cursor: pointer; }
input.ab-link-shown { width: min(100%, 36rem); margin-left: .4em; font: inherit; }
form.ab-sign-in { display: grid; gap: .5em; max-width: 20rem; margin-top: 1em; }
form.ab-sign-in input, form.ab-sign-in button { font: inherit; padding: .3em .5em; }
"""


def render_quote_page(
    standing: Standing, links: PageLinks, saved_on: str | None, nonce: str
) -> str:
    """The quoted version with its span marked (none for a whole-version link), its title,
    date and source, and, when it is not the current version, what became of the quote."""
    article, cited = standing.article, standing.citation
    text = article.text
    if cited.end > cited.start:
        body = (
            f'{esc(text[: cited.start])}<mark id="ab-quote">'
            f"{esc(text[cited.start : cited.end])}</mark>{esc(text[cited.end :])}"
        )
    else:
        body = esc(text)
    day = article_date(article)
    meta = [esc(v) for v in (day.isoformat() if day else article.published, article.source) if v]
    if is_web(article.url):
        meta.append(esc(article.url))
    version = f"version {esc(cited.version)}" + (f", indexed {esc(saved_on)}" if saved_on else "")
    meta.append(f'<span title="{esc(article.source_path)}">{esc(article.id)}</span> ({version})')
    # kept at the top while the text scrolls: what became of the quote, and the links
    bar = f'<div class="ab-bar">{_notice(standing, links)}{_links(standing, links)}</div>'
    head = (
        f'<h1 class="ab-article-title">{esc(article.title)}</h1>'
        f'<div class="ab-meta">{" · ".join(meta)}</div>'
    )
    return _page(
        f"{article.title} — askbrief",
        f'{bar}<article>{head}<div class="ab-text">{body}</div></article>',
        nonce,
        # on every load, a reload after signing in too: to the quote, not the last position
        "if ('scrollRestoration' in history) history.scrollRestoration = 'manual';\n"
        "const mark = document.getElementById('ab-quote');\n"
        "if (mark) mark.scrollIntoView({block: 'center', inline: 'nearest'});\n" + COPY_JS,
    )


def _links(standing: Standing, links: PageLinks) -> str:
    parts = []
    if standing.status == "current":
        parts.append('<span class="ab-meta">This is the current version.</span>')
    if standing.citation.end > standing.citation.start:
        parts.append(copy_button(links.copy))
    if is_web(links.source):
        parts.append(at_source(str(links.source)))
    return f'<div class="ab-links">{" · ".join(parts)}</div>' if parts else ""


def _notice(standing: Standing, links: PageLinks) -> str:
    """'This article was updated on DATE.' and whether the quoted words still stand in its
    current version (a link to it)."""
    if standing.status == "current":
        return ""
    current = "current version"
    if links.current:
        current = f'<a class="ab-current-version" href="{esc(links.current)}">{current}</a>'
    when = f" on {esc(standing.updated_on)}" if standing.updated_on else ""
    if standing.current_version is None:
        said = (
            f"This article was removed from the collection{when}. Below is the text as it "
            "was quoted."
        )
    else:
        said = f"This article was updated{when}."
        if standing.citation.end > standing.citation.start:
            said += " " + _verdict(standing, current)
        else:
            said += f" Read the {current}."
    return f'<div class="ab-notice" data-status="{esc(standing.status)}" role="note">{said}</div>'


def _verdict(standing: Standing, current: str) -> str:
    if standing.status == "unchanged":
        return f"The quoted words are unchanged in the {current}."
    if standing.status == "changed":
        return (
            f"The quoted words have changed in the {current}. They now read:"
            f'<blockquote class="ab-now">{esc(standing.now or "")}</blockquote>'
        )
    return f"The quoted words have been removed from the {current}."


def render_problem_page(message: str, nonce: str) -> str:
    """A bad or dead link: one line saying why, and the way back to the app."""
    return _page("Quote not found — askbrief", f'<p class="ab-problem">{esc(message)}</p>', nonce)


def render_sign_in_page(message: str, nonce: str) -> str:
    """In place of the quote until the reader signs in: the app's own sign-in (its /login,
    the same slowed check and the same session cookie), then this page again."""
    form = (
        f"<p>{esc(message)}</p>"
        '<form class="ab-sign-in" id="ab-sign-in">'
        '<input name="username" autocomplete="username" aria-label="username" '
        'placeholder="username" required>'
        '<input name="password" type="password" autocomplete="current-password" '
        'aria-label="password" placeholder="password" required>'
        '<button type="submit">Sign in</button><div class="ab-meta" id="ab-sign-in-said" '
        'role="alert"></div></form>'
    )
    script = """
const form = document.getElementById('ab-sign-in');
const said = document.getElementById('ab-sign-in-said');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  said.textContent = 'Signing in…';
  try {
    const reply = await fetch('login', {method: 'POST', body: new FormData(form)});
    if (reply.ok) { location.reload(); return; }
    said.textContent = reply.status === 400 ? 'Wrong user name or password.' : `Sign-in failed (${reply.status}).`;
  } catch (err) {
    said.textContent = 'Sign-in failed: the app did not answer.';
  }
});
"""
    return _page("Sign in — askbrief", form, nonce, script)


def _page(title: str, main: str, nonce: str, script: str = "") -> str:
    run = f'<script nonce="{esc(nonce)}">{script}</script>' if script else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{esc(title)}</title>'
        f'<style nonce="{esc(nonce)}">{PAGE_CSS}</style></head><body><main>'
        '<a class="ab-home" href="./">askbrief</a>'
        f"{main}</main>{run}</body></html>"
    )
