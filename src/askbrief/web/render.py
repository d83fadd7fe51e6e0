"""HTML for the web UI: answers, refusals, the source panel, the status line and the upload log.

Pure functions from records (Answer.to_dict(), Article, BuildReport, index stats) to HTML
strings, so the rendering is tested without a server; gradio is never imported here.
Everything that comes from an article (text, titles, metadata, file names) goes through
esc(): articles are untrusted input.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from askbrief.ask.timeframe import window_sentence
from askbrief.console import UNITS
from askbrief.dates import article_date
from askbrief.ingest.provenance import describe
from askbrief.records import Article, BuildReport
from askbrief.text import counted, plural

Turn = dict[str, Any]  # {"question": str, "answer": Answer.to_dict() | None, "error": str | None}

REFUSAL_HINT = "Try other words, or add articles that cover it."


def esc(value: object) -> str:
    """Every article-derived string goes through here before it reaches the browser."""
    return html.escape(str(value), quote=True)


# --------------------------------------------------------------------------- the chat


def cite_link(turn: int, n: int) -> str:
    """A citation marker; the source panel's script turns a click on it into a panel update."""
    return (
        f'<a class="ab-cite" href="#ab-cite-{turn}-{n}" data-turn="{turn}" data-n="{n}" '
        f'title="Show [{n}] in its article">[{n}]</a>'
    )


SHOWN_QUESTION_CHARS = 200  # of a question too long to ask, as the chat echoes it


def short_question(question: str, limit: int = SHOWN_QUESTION_CHARS) -> str:
    """The start of a long question, white space collapsed, cut at a word and marked "…":
    what the chat echoes of a question refused for its length."""
    flat = " ".join(question.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut) + "\u2026"


def render_question(question: str) -> str:
    # A one-line HTML block (white space collapsed, as the library does): the chat's
    # Markdown renderer leaves its content alone.
    return f'<div class="ab-q">{esc(" ".join(question.split()))}</div>'


def render_answer(turn: int, answer: Mapping[str, Any]) -> str:
    """Block quotes with [n] markers, a count, then the sources; or 'not answered' with why."""
    if not answer["answered"]:
        return render_refusal(turn, answer)
    quotes = "".join(
        f'<blockquote class="ab-quote"><span class="ab-quote-text">'
        f"{_quote_text(q, answer.get('answer_span'))}"
        f"</span> {cite_link(turn, q['n'])}{_date(q.get('date'))}</blockquote>"
        for q in answer["quotes"]
    )
    sources = "".join(_source_item(turn, s) for s in answer["sources"])
    return (
        f'<div class="ab-answer ab-turn-{turn}">{render_window(answer)}{quotes}'
        f"{render_differ(turn, answer)}"
        f'<div class="ab-count">{esc(quote_count(answer))}</div><div class="ab-sources">'
        '<div class="ab-sources-h">'
        f"Sources</div><ul>{sources}</ul></div></div>"
    )


def render_window(answer: Mapping[str, Any]) -> str:
    """Which dates the answer was kept to (or preferred), and what it did with undated
    articles; nothing when the question named no time."""
    said = window_sentence(answer.get("window"))
    return f'<div class="ab-window">{esc(said)}</div>' if said else ""


def render_differ(turn: int, answer: Mapping[str, Any]) -> str:
    """'Sources differ': each article's value beside its source and date, newest first."""
    claims = answer.get("sources_differ") or []
    if not claims:
        return ""
    items = "".join(
        f'<li><span class="ab-value">{esc(c["value"])}</span> — {esc(c["title"])}'
        f'<span class="ab-meta"> · {esc(c.get("date") or "undated")}</span> '
        f"{cite_link(turn, c['quote'])}</li>"
        for c in claims
    )
    return f'<div class="ab-differ"><div class="ab-differ-h">Sources differ</div><ul>{items}</ul></div>'


def _date(day: object) -> str:
    return f' <span class="ab-date">{esc(day)}</span>' if day else ""


def render_refusal(turn: int, answer: Mapping[str, Any]) -> str:
    """The message, why (one sentence), a hint; and, folded away, the closest passage, which
    is labelled as not an answer and carries no citation marker."""
    why = answer.get("why") or ""
    why_html = f' <span class="ab-why">{esc(why)}</span>' if why else ""
    closest = answer.get("closest")
    closest_html = ""
    if closest:
        closest_html = (
            '<details class="ab-closest"><summary>Closest passage — not an answer</summary>'
            f'<span class="ab-closest-text">{_one_line(closest["text"])}</span> '
            f'<span class="ab-meta">— {esc(closest["title"])} '
            f"[{esc(closest['start'])}, {esc(closest['end'])})</span></details>"
        )
    return (
        f'<div class="ab-none ab-turn-{turn}"><strong>{esc(answer["message"])}</strong>'
        f'{why_html} <span class="ab-hint">{esc(REFUSAL_HINT)}</span>{render_window(answer)}'
        f"{closest_html}</div>"
    )


def quote_count(answer: Mapping[str, Any]) -> str:
    """'3 quotes from 2 articles', from the answer's own counts (or its lists if absent)."""
    quotes = answer.get("n_quotes", len(answer["quotes"]))
    articles = answer.get("n_articles", len(answer["sources"]))
    return f"{counted(quotes, 'quote')} from {counted(articles, 'article')}"


def _quote_text(quote: Mapping[str, Any], span: Mapping[str, Any] | None) -> str:
    """The quote as one HTML line, its answer words (answer_span) highlighted in quote [1]."""
    if not span or span.get("quote") != quote["n"]:
        return _one_line(quote["text"])
    text = quote["text"]
    a, b = span["start"] - quote["start"], span["end"] - quote["start"]
    before, words, after = text[:a], text[a:b], text[b:]
    joint = "<br>" if before.strip() and before.rstrip(" \t").endswith("\n") else ""
    mark = f'<mark class="ab-answer-words">{esc(words)}</mark>'
    return f"{_one_line(before)}{joint}{mark}{_one_line(after)}"


def _one_line(text: str) -> str:
    """Escaped, with line breaks as <br>: a blank line would end the chat's HTML block."""
    return "<br>".join(esc(line) for line in text.splitlines() if line.strip()) or esc(text)


def _source_item(turn: int, source: Mapping[str, Any]) -> str:
    marks = " ".join(cite_link(turn, n) for n in source["quotes"])
    when = source.get("date") or source.get("published")  # the raw field if it is no date
    meta = " · ".join(esc(v) for v in (when, source.get("source")) if v)
    meta_html = f' <span class="ab-meta">{meta}</span>' if meta else ""
    return f'<li>{marks} <span class="ab-title">{esc(source["title"])}</span>{meta_html}</li>'


def render_error(message: str, turn: int | None = None) -> str:
    marker = "" if turn is None else f" ab-turn-{turn}"
    return f'<div class="ab-error{marker}">{esc(message)}</div>'


def render_pending() -> str:
    return '<div class="ab-pending">Searching the articles…</div>'


def chat_messages(turns: Sequence[Turn], pending: str | None = None) -> list[dict[str, str]]:
    """The Chatbot value, rebuilt from the session's turns (the one source of truth)."""
    messages: list[dict[str, str]] = []
    for i, turn in enumerate(turns):
        messages.append({"role": "user", "content": render_question(turn["question"])})
        if turn.get("answer") is not None:
            body = render_answer(i, turn["answer"])
        else:
            body = render_error(turn.get("error") or "no answer", i)
        messages.append({"role": "assistant", "content": body})
    if pending is not None:
        messages.append({"role": "user", "content": render_question(pending)})
        messages.append({"role": "assistant", "content": render_pending()})
    return messages


# --------------------------------------------------------------------------- the source panel


def source_box(inner: str) -> str:
    """The source panel's own scroll box, so a long article scrolls inside the panel."""
    return f'<div class="ab-source-box">{inner}</div>'


SOURCE_PLACEHOLDER = source_box(
    '<div class="ab-source-empty">Click a citation such as <b>[1]</b> in an answer to read '
    "the whole article here, with the quoted passage highlighted.</div>"
)


def render_source(
    article: Article, quotes: Sequence[Mapping[str, Any]], current: int, links: str = ""
) -> str:
    """The whole article, escaped, with this answer's quotes from it in <mark>s; under its
    title, who added it through the web UI and when, if someone did, and `links` (HTML: the
    clicked quote's "Copy link" and "Open at the source", quote_page.quote_links)."""
    day = article_date(article)
    meta = [esc(v) for v in (day.isoformat() if day else article.published, article.source) if v]
    if article.url and article.url.lower().startswith(("http://", "https://")):
        meta.append(
            f'<a href="{esc(article.url)}" target="_blank" rel="noopener noreferrer">'
            f"{esc(article.url)}</a>"
        )
    meta.append(f'<span title="{esc(article.source_path)}">{esc(article.id)}</span>')
    cited = " ".join(f"[{q['n']}]" for q in quotes)
    # who uploaded it through this UI, and when: a user name is untrusted input too
    added = describe(article.added_by, article.added_at)
    added_html = f'<div class="ab-meta ab-added">{esc(added)}</div>' if added else ""
    return source_box(
        f'<article class="ab-article"><header class="ab-article-head">'
        f'<h3 class="ab-article-title">{esc(article.title)}</h3>{added_html}'
        f'<div class="ab-meta">{" · ".join(meta)}</div>'
        f'<div class="ab-meta">Quoted in this answer: {esc(cited)}</div>{links}</header>'
        f'<div class="ab-text">{highlight(article.text, quotes, current)}</div></article>'
    )


def highlight(text: str, quotes: Sequence[Mapping[str, Any]], current: int) -> str:
    """Escape the text piecewise around each quote's [start, end) so offsets stay exact."""
    out: list[str] = []
    pos = 0
    for q in sorted(quotes, key=lambda q: (q["start"], q["end"])):
        start, end = int(q["start"]), int(q["end"])
        if start < pos or end > len(text) or start >= end:
            continue  # overlapping or out of range: never mark a wrong span
        cls = "ab-current" if q["n"] == current else ""
        out.append(esc(text[pos:start]))
        out.append(
            f'<mark class="{cls}" data-n="{q["n"]}">{esc(text[start:end])}</mark>'
            f'<sup class="ab-mark-n">[{q["n"]}]</sup>'
        )
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


# --------------------------------------------------------------------------- status and uploads


def render_status(stats: Mapping[str, Any]) -> str:
    """One line from Index.stats(), plus the manifest's `last_build` when given: what the chat
    is answering from, and what the last update changed ("updated …: 3 new articles"), so a
    page left open shows that `askbrief watch` or an upload brought in something new."""
    built = str(stats.get("built_at") or "?").replace("T", " ").replace("+00:00", " UTC")
    articles, passages = stats.get("articles"), stats.get("passages")
    changes = build_changes(stats.get("last_build"))
    parts = [
        f"<b>{esc(articles)}</b> {plural(articles, 'article')}",
        f"<b>{esc(passages)}</b> {plural(passages, 'passage')}",
        f"model {esc(stats.get('model'))}",
        f"built {esc(built)}" if changes is None else f"updated {esc(built)}: {esc(changes)}",
    ]
    corrected = stats.get("corrected")  # articles with more than one version (a correction)
    if isinstance(corrected, int) and corrected > 0:
        parts.insert(1, f"<b>{corrected}</b> corrected")
    return f'<div class="ab-status">Index: {" · ".join(parts)}</div>'


def build_changes(last: object) -> str | None:
    """'12 new articles, 1 changed, 1 removed' from a manifest's last_build, zeros left out
    ('no changes' if all are); None for an index that does not record it."""
    if not isinstance(last, Mapping):
        return None
    try:
        added, updated, removed = (int(last.get(k) or 0) for k in ("added", "updated", "removed"))
    except (TypeError, ValueError):
        return None
    words = [f"{added} new {plural(added, 'article')}"] if added else []
    words += [f"{updated} changed"] if updated else []
    words += [f"{removed} removed"] if removed else []
    return ", ".join(words) or "no changes"


def render_status_problem(message: str) -> str:
    """The status line when there is no usable index, saying what to do."""
    return f'<div class="ab-status ab-status-empty">{esc(message)}</div>'


def upload_help(folder: object, suffixes: Sequence[str], max_mb: int) -> str:
    """What the upload log says before anything is uploaded."""
    return (
        f'<div class="ab-meta">Upload {esc(" ".join(suffixes))} files of up to {max_mb} MB '
        f"each. They are saved to <code>{esc(folder)}</code> and the index is updated "
        "incrementally; questions keep being answered from the current index meanwhile.</div>"
    )


def render_progress(stage: str, done: int, total: int) -> str:
    """'Updating the index: embedding 120/480 passages' and a bar, from one progress call."""
    unit = UNITS.get(stage, "item")
    bar = f'<progress value="{int(done)}" max="{int(total)}"></progress>'
    return f"Updating the index: {esc(stage)} {int(done)}/{counted(int(total), unit)} {bar}"


def render_report(report: BuildReport) -> list[str]:
    """The log lines of a finished update: the summary, then one per warning."""
    return [
        f"<b>Index updated:</b> {esc(report.summary())}",
        *(f"⚠ {esc(w)}" for w in report.warnings),
    ]


def render_log(lines: Sequence[str]) -> str:
    """The upload log; `lines` are HTML already (escape text with esc first)."""
    return '<div class="ab-log">' + "".join(f"<div>{line}</div>" for line in lines) + "</div>"


# --------------------------------------------------------------------------- page assets

# The theme's fonts: whatever the system has, so the page fetches no web fonts.
SYSTEM_FONTS = (
    "ui-sans-serif",
    "system-ui",
    "-apple-system",
    "Segoe UI",
    "Roboto",
    "Helvetica Neue",
    "Arial",
    "sans-serif",
)
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")


CSS = """
.gradio-container { max-width: 1380px !important; margin: 0 auto; }
#ab-header h1 { margin: 0; font-size: 1.6em; }
#ab-header p { margin: .15em 0 0; color: var(--body-text-color-subdued); }
.ab-status { font-size: .92em; color: var(--body-text-color-subdued); padding: .2em 0; }
.ab-status b { color: var(--body-text-color); }
.ab-status-empty { color: var(--error-text-color); }
.ab-q { white-space: pre-wrap; }
mark.ab-answer-words { background: var(--color-accent-soft); color: inherit; font-weight: 600;
  padding: 0 .1em; border-radius: 3px; }
.ab-quote { margin: 0 0 .55em !important; padding: .35em .8em !important;
  border-left: 3px solid var(--color-accent) !important;
  background: var(--background-fill-secondary); border-radius: 0 6px 6px 0;
  font-style: normal; }
a.ab-cite { font-weight: 600; text-decoration: none !important; white-space: nowrap;
  color: var(--color-accent) !important; cursor: pointer; padding: 0 .1em; border-radius: 3px; }
a.ab-cite:hover, a.ab-cite:focus { background: var(--color-accent-soft); }
.ab-sources { margin-top: .5em; padding-top: .4em; font-size: .9em;
  border-top: 1px solid var(--border-color-primary); }
.ab-sources-h { font-weight: 600; margin-bottom: .15em; }
.ab-sources ul { margin: 0; padding-left: 1.1em; }
.ab-title { font-weight: 500; }
.ab-meta { color: var(--body-text-color-subdued); font-size: .9em; }
.ab-none, .ab-error { padding: .2em 0; }
.ab-count { color: var(--body-text-color-subdued); font-size: .88em; margin: .1em 0 0; }
.ab-why { margin-left: .15em; }
.ab-hint { color: var(--body-text-color-subdued); }
details.ab-closest { margin-top: .5em; font-size: .92em; color: var(--body-text-color-subdued); }
details.ab-closest summary { cursor: pointer; }
.ab-closest-text { font-style: italic; }
.ab-error { color: var(--error-text-color); }
.ab-pending { color: var(--body-text-color-subdued); font-style: italic; }
.ab-source-box { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 0 1em .8em; max-height: 700px; overflow-y: auto;
  background: var(--block-background-fill); }
.ab-article-head { position: sticky; top: 0; z-index: 1; margin: 0 -1em;
  padding: .8em 1em .5em; background: var(--block-background-fill); border-bottom: 1px solid var(--border-color-primary); }
.ab-source-empty { color: var(--body-text-color-subdued); padding: 2.5em .5em;
  text-align: center; }
.ab-article-title { margin: 0 0 .25em; font-size: 1.15em; }
.ab-text { white-space: pre-wrap; line-height: 1.6; margin-top: .6em; }
.ab-text mark { background: #fef08a; color: #1f2937; border-radius: 2px; padding: 0 1px; }
.ab-text mark.ab-current { background: #fbbf24; box-shadow: 0 0 0 2px #d97706; }
.ab-mark-n { color: var(--color-accent); font-weight: 600; user-select: none; margin-left: 1px; }
button.ab-copy { font: inherit; color: var(--color-accent); background: none; border: 1px solid
  var(--border-color-primary); border-radius: 4px; padding: 0 .45em; cursor: pointer; }
input.ab-link-shown { width: 100%; margin-top: .3em; }
#ab-upload-log { font-size: .92em; }
.ab-date { color: var(--body-text-color-subdued); font-size: .85em; white-space: nowrap; }
.ab-window { color: var(--body-text-color-subdued); font-size: .9em; margin: 0 0 .45em; }
.ab-differ { margin: .2em 0 .5em; padding: .35em .8em; border-radius: 6px;
  border: 1px solid #d97706; background: var(--background-fill-secondary); font-size: .92em; }
.ab-differ-h { font-weight: 600; color: #b45309; }
.ab-differ ul { margin: .1em 0 0; padding-left: 1.1em; }
.ab-value { font-weight: 600; }
"""

# Runs once per page in the source panel: a click on any [n] in the chat (capture phase, so
# the chat never sees it) becomes a 'click' event of the panel carrying {turn, n}; after each
# update the current highlight is scrolled into view.
SOURCE_JS = """
window.__askbriefShowCitation = (turn, n) => trigger('click', {turn: turn, n: n});
if (!window.__askbriefCiteHandler) {
  window.__askbriefCiteHandler = (event) => {
    const link = event.target && event.target.closest ? event.target.closest('a.ab-cite') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    let turn = parseInt(link.dataset.turn, 10), n = parseInt(link.dataset.n, 10);
    const m = /ab-cite-(\\d+)-(\\d+)/.exec(link.getAttribute('href') || '');
    if ((isNaN(turn) || isNaN(n)) && m) { turn = parseInt(m[1], 10); n = parseInt(m[2], 10); }
    if (!isNaN(turn) && !isNaN(n)) window.__askbriefShowCitation(turn, n);
  };
  document.addEventListener('click', window.__askbriefCiteHandler, true);
}
const reveal = () => {
  const mark = element.querySelector('mark.ab-current');
  if (mark) mark.scrollIntoView({block: 'center', inline: 'nearest'});
};
watch('value', reveal);
reveal();
"""
