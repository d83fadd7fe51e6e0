"""The askbrief web UI: a chat whose answers are verbatim, cited quotes, a source panel that
shows each quote highlighted in its article, and uploads that update the index in place.

`python app.py` serves it on http://127.0.0.1:7860. gradio is imported here and nowhere else,
so the library and the CLI never pay for it. Everything the browser shows that comes from an
article (text, titles, metadata) goes through html.escape: articles are untrusted input.
"""

import argparse
import contextlib
import html
import os
import queue
import re
import socket
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Set before gradio is imported: no analytics, no version check, no hub telemetry. Forced,
# not defaulted: the UI must never phone out, whatever the environment says.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import gradio as gr  # noqa: E402

from .articles import SUPPORTED_SUFFIXES, read_path  # noqa: E402
from .config import Settings  # noqa: E402
from .dates import article_date  # noqa: E402
from .embedding import Embedder  # noqa: E402
from .errors import ArticleError, AskbriefError, NoIndexError  # noqa: E402
from .index import Index  # noqa: E402
from .indexing import build_index  # noqa: E402
from .records import Article, BuildReport  # noqa: E402

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPDATE_THREAD = "askbrief-index-update"
NO_INDEX = "No index yet: add articles below and it is built for you."
MAX_NAME_CHARS = 120
STATUS_REFRESH_SECONDS = 10
# Letters and digits of any script, then only space _ - . , ( ) +; no separators, no controls.
_SAFE_NAME = re.compile(r"[^\W_][\w .,()+-]*")

EXAMPLES = [
    "What did Lavrov say about the ceasefire?",
    "What did Lavrov say about France?",
    "Will Trump and Putin meet?",
    "What does Russia want instead of a ceasefire?",
]

Turn = dict[str, Any]  # {"question": str, "answer": Answer.to_dict() | None, "error": str | None}


# --------------------------------------------------------------------------- the backend


class Backend:
    """What all browser sessions share: one Embedder (the model loads once), one Index that
    follows new index generations by itself, and one index update at a time."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or Embedder()
        self._index: Index | None = None
        self._open_lock = threading.Lock()
        self.build_lock = threading.Lock()

    @property
    def articles_dir(self) -> Path:
        return self.settings.articles_dir

    def index(self) -> Index:
        """The open index; opened on first use so the app can start before any index exists."""
        with self._open_lock:
            if self._index is None:
                self._index = Index(self.settings, self.embedder)
            return self._index

    def ask(self, question: str, history: Sequence[str] = ()) -> dict[str, Any]:
        return self.index().ask(question, history=list(history)).to_dict()

    def article(self, article_id: str) -> Article:
        return self.index().article(article_id)

    def stats(self) -> dict[str, Any]:
        return self.index().stats()

    def build(self, progress: Callable[[int, int], None] | None = None) -> BuildReport:
        """Incremental update; readers keep the old generation until the new one is published."""
        with self.build_lock:
            return build_index(self.settings, self.embedder, progress=progress)


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(app: Any, host: str = DEFAULT_HOST, port: int | None = None) -> Iterator[str]:
    """Serve `app` in this process without blocking (tests, benchmarks); yields its URL and
    closes the server however the block ends."""
    _, url, _ = app.launch(
        prevent_thread_lock=True, server_name=host, server_port=port or free_port(host), quiet=True
    )
    try:
        yield url
    finally:
        app.close()


# --------------------------------------------------------------------------- HTML rendering


def esc(value: object) -> str:
    """Every article-derived string goes through here before it reaches the browser."""
    return html.escape(str(value), quote=True)


def cite_link(turn: int, n: int) -> str:
    """A citation marker; the source panel's script turns a click on it into a panel update."""
    return (
        f'<a class="ab-cite" href="#ab-cite-{turn}-{n}" data-turn="{turn}" data-n="{n}" '
        f'title="Show [{n}] in its article">[{n}]</a>'
    )


def render_question(question: str) -> str:
    # A one-line HTML block (white space collapsed, as the library does): the chat's
    # Markdown renderer leaves its content alone.
    return f'<div class="ab-q">{esc(" ".join(question.split()))}</div>'


def render_answer(turn: int, answer: dict[str, Any]) -> str:
    """Block quotes with [n] markers, a count, then the sources; or 'not answered' with why."""
    if not answer["answered"]:
        return render_refusal(turn, answer)
    quotes = "".join(
        f'<blockquote class="ab-quote"><span class="ab-quote-text">{_one_line(q["text"])}'
        f"</span> {cite_link(turn, q['n'])}</blockquote>"
        for q in answer["quotes"]
    )
    sources = "".join(_source_item(turn, s) for s in answer["sources"])
    return (
        f'<div class="ab-answer ab-turn-{turn}">{quotes}'
        f'<div class="ab-count">{esc(quote_count(answer))}</div><div class="ab-sources">'
        '<div class="ab-sources-h">'
        f"Sources</div><ul>{sources}</ul></div></div>"
    )


REFUSAL_HINT = "Try other words, or add articles that cover it."


def render_refusal(turn: int, answer: dict[str, Any]) -> str:
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
        f'{why_html} <span class="ab-hint">{esc(REFUSAL_HINT)}</span>{closest_html}</div>'
    )


def quote_count(answer: dict[str, Any]) -> str:
    """'3 quotes from 2 articles', from the answer's own counts (or its lists if absent)."""
    quotes = answer.get("n_quotes", len(answer["quotes"]))
    articles = answer.get("n_articles", len(answer["sources"]))
    return f"{quotes} {_plural(quotes, 'quote')} from {articles} {_plural(articles, 'article')}"


def _one_line(text: str) -> str:
    """Escaped, with line breaks as <br>: a blank line would end the chat's HTML block."""
    return "<br>".join(esc(line) for line in text.splitlines() if line.strip()) or esc(text)


def _source_item(turn: int, source: dict[str, Any]) -> str:
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


def source_box(inner: str) -> str:
    """The source panel's own scroll box, so a long article scrolls inside the panel."""
    return f'<div class="ab-source-box">{inner}</div>'


SOURCE_PLACEHOLDER = source_box(
    '<div class="ab-source-empty">Click a citation such as <b>[1]</b> in an answer to read '
    "the whole article here, with the quoted passage highlighted.</div>"
)


def render_source(article: Article, quotes: Sequence[dict[str, Any]], current: int) -> str:
    """The whole article, escaped, with this answer's quotes from it in <mark>s."""
    day = article_date(article)
    meta = [esc(v) for v in (day.isoformat() if day else article.published, article.source) if v]
    if article.url and article.url.lower().startswith(("http://", "https://")):
        meta.append(
            f'<a href="{esc(article.url)}" target="_blank" rel="noopener noreferrer">'
            f"{esc(article.url)}</a>"
        )
    meta.append(f'<span title="{esc(article.source_path)}">{esc(article.id)}</span>')
    cited = " ".join(f"[{q['n']}]" for q in quotes)
    return source_box(
        f'<article class="ab-article"><header class="ab-article-head">'
        f'<h3 class="ab-article-title">{esc(article.title)}</h3>'
        f'<div class="ab-meta">{" · ".join(meta)}</div>'
        f'<div class="ab-meta">Quoted in this answer: {esc(cited)}</div></header>'
        f'<div class="ab-text">{highlight(article.text, quotes, current)}</div></article>'
    )


def highlight(text: str, quotes: Sequence[dict[str, Any]], current: int) -> str:
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


def render_status(backend: Backend) -> str:
    """One line: what the chat is answering from."""
    try:
        s = backend.stats()
    except NoIndexError:
        return f'<div class="ab-status ab-status-empty">{esc(NO_INDEX)}</div>'
    except AskbriefError as err:
        return f'<div class="ab-status ab-status-empty">Index unavailable: {esc(err)}</div>'
    built = str(s.get("built_at") or "?").replace("T", " ").replace("+00:00", " UTC")
    parts = [
        f"<b>{esc(s.get('articles'))}</b> {_plural(s.get('articles'), 'article')}",
        f"<b>{esc(s.get('passages'))}</b> {_plural(s.get('passages'), 'passage')}",
        f"model {esc(s.get('model'))}",
        f"built {esc(built)}",
    ]
    return f'<div class="ab-status">Index: {" · ".join(parts)}</div>'


def _plural(count: object, word: str) -> str:
    return word if count == 1 else word + "s"


# --------------------------------------------------------------------------- uploads


class UploadRejected(ValueError):
    """An uploaded file that is not saved; the message says why, naming the file."""


def safe_name(name: str) -> str:
    """The bare file name an upload may be saved under, or UploadRejected saying why not."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    shown = repr(base) if base else "(no name)"
    if not base or ".." in base:
        raise UploadRejected(f"{shown}: file names may not be empty or contain '..'")
    if base.startswith("."):
        raise UploadRejected(f"{shown}: hidden files (names starting with '.') are not accepted")
    if Path(base).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UploadRejected(
            f"{shown}: not a supported article file; use {' '.join(SUPPORTED_SUFFIXES)}"
        )
    if len(base) > MAX_NAME_CHARS:
        raise UploadRejected(f"{shown}: name is longer than {MAX_NAME_CHARS} characters")
    if not _SAFE_NAME.fullmatch(base):
        raise UploadRejected(
            f"{shown}: name has unusual characters; use letters, digits, spaces and - _ . , ( ) +"
        )
    return base


def save_upload(src: Path, name: str, folder: Path) -> Path:
    """Copy one uploaded file into `folder` under a safe, new name; never outside `folder`,
    never over an existing file. Raises UploadRejected for anything it will not save."""
    base = safe_name(name)
    size = src.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise UploadRejected(
            f"{base!r}: {size / 1e6:.1f} MB is over the {MAX_UPLOAD_BYTES // 2**20} MB limit"
        )
    data = src.read_bytes()
    _check_readable(data, base)
    folder.mkdir(parents=True, exist_ok=True)
    return _write_new(folder.resolve(), base, data)


def _check_readable(data: bytes, base: str) -> None:
    """Read it as the indexer will, from a scratch copy, so bad files are refused up front."""
    with tempfile.TemporaryDirectory(prefix="askbrief-upload-") as tmp:
        probe = Path(tmp) / base
        probe.write_bytes(data)
        try:
            found = list(read_path(probe, Path(tmp), []))
        except ArticleError as err:
            reason = str(err).replace(str(probe), repr(base)).removesuffix("; skipped")
            raise UploadRejected(reason) from None
    if not found:
        raise UploadRejected(f"{base!r}: no articles found in it")


def _write_new(folder: Path, base: str, data: bytes) -> Path:
    """Exclusive create: a taken name gets -2, -3, … rather than overwriting anything."""
    stem, suffix = Path(base).stem, Path(base).suffix
    for i in range(1, 10_000):
        candidate = folder / (base if i == 1 else f"{stem}-{i}{suffix}")
        if candidate.parent != folder:  # belt and braces: safe_name already ensures this
            raise UploadRejected(f"{base!r}: refusing to write outside the articles folder")
        try:
            with open(candidate, "xb") as fh:
                fh.write(data)
            return candidate
        except FileExistsError:
            continue
    raise UploadRejected(f"{base!r}: too many files with this name already")


@dataclass
class SaveResult:
    saved: list[Path]
    lines: list[str]  # one escaped HTML line per file, saved or rejected


def save_uploads(paths: Sequence[str], folder: Path) -> SaveResult:
    result = SaveResult([], [])
    for raw in paths:
        src = Path(raw)
        try:
            dest = save_upload(src, src.name, folder)
        except UploadRejected as err:
            result.lines.append(f"✗ rejected {esc(err)}")
        except OSError as err:
            result.lines.append(f"✗ {esc(src.name)}: could not be saved ({esc(err.strerror)})")
        else:
            result.saved.append(dest)
            renamed = f" (as {esc(dest.name)})" if dest.name != src.name else ""
            result.lines.append(f"✓ saved {esc(src.name)}{renamed}")
    return result


def run_build(backend: Backend) -> Iterator[tuple[str, Any]]:
    """Run the index update in a thread and relay its progress: ('progress', (done, total)),
    then ('done', BuildReport) or ('error', message). The chat keeps answering meanwhile."""
    events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            report = backend.build(progress=lambda d, t: events.put(("progress", (d, t))))
            events.put(("done", report))
        except AskbriefError as err:
            events.put(("error", str(err)))
        except Exception as err:  # shown to the user rather than lost in a thread
            events.put(("error", f"index update failed: {type(err).__name__}: {err}"))

    threading.Thread(target=work, name=UPDATE_THREAD, daemon=True).start()
    while True:
        kind, value = events.get()
        yield kind, value
        if kind in ("done", "error"):
            return


# --------------------------------------------------------------------------- the app


CSS = """
.gradio-container { max-width: 1380px !important; margin: 0 auto; }
#ab-header h1 { margin: 0; font-size: 1.6em; }
#ab-header p { margin: .15em 0 0; color: var(--body-text-color-subdued); }
.ab-status { font-size: .92em; color: var(--body-text-color-subdued); padding: .2em 0; }
.ab-status b { color: var(--body-text-color); }
.ab-status-empty { color: var(--error-text-color); }
.ab-q { white-space: pre-wrap; }
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
#ab-upload-log { font-size: .92em; }
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


class AskbriefBlocks(gr.Blocks):
    """gr.Blocks whose launch() defaults suit a local, offline tool: loopback, no share link,
    no monitoring or MCP endpoints, system fonts (nothing fetched), our CSS. Explicit
    arguments still win; Gradio 6 takes css and theme in launch(), not in the constructor."""

    def launch(self, **kwargs: Any) -> Any:  # type: ignore[override]
        defaults: dict[str, Any] = {
            "server_name": DEFAULT_HOST,
            "share": False,
            "ssr_mode": False,
            "pwa": False,
            "mcp_server": False,
            "enable_monitoring": False,
            "max_file_size": MAX_UPLOAD_BYTES,
            "footer_links": ["api"],
            "css": CSS,
            "theme": gr.themes.Soft(
                primary_hue="indigo", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS
            ),
        }
        return super().launch(**(defaults | kwargs))


@dataclass
class Widgets:
    turns: gr.State
    status: gr.HTML
    chat: gr.Chatbot
    question: gr.Textbox
    ask: gr.Button
    clear: gr.Button
    examples: gr.Examples
    panel: gr.HTML
    files: gr.File
    log: gr.HTML


def make_app(
    articles_dir: str | Path | None = None,
    index_dir: str | Path | None = None,
    *,
    store: str | None = None,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
) -> gr.Blocks:
    """The UI over one articles folder and its index (`store`: any store string, as
    `askbrief --store`). Builds nothing itself: main() builds a missing index before
    serving, and uploads update it incrementally afterwards."""
    settings = settings or Settings.load(
        articles_dir=articles_dir, index_dir=index_dir, store=store
    )
    backend = Backend(settings, embedder)
    with AskbriefBlocks(
        title="askbrief", analytics_enabled=False, delete_cache=(3600, 3600)
    ) as app:
        w = _layout(backend)
        _wire(app, backend, w)
    return app


def _layout(backend: Backend) -> Widgets:
    turns = gr.State([])
    gr.Markdown(
        "# askbrief\nAnswers from your news articles, made only of verbatim quotes; "
        "each one is cited and can be checked in its article.",
        elem_id="ab-header",
    )
    status = gr.HTML(render_status(backend), elem_id="ab-status")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            chat, question, ask, clear, examples = _chat_column()
        with gr.Column(scale=2, min_width=340):
            gr.Markdown("### Source", elem_classes=["ab-h"])
            panel = gr.HTML(SOURCE_PLACEHOLDER, elem_id="ab-source", js_on_load=SOURCE_JS)
    files, log = _upload_row(backend)
    return Widgets(turns, status, chat, question, ask, clear, examples, panel, files, log)


def _chat_column() -> tuple[gr.Chatbot, gr.Textbox, gr.Button, gr.Button, gr.Examples]:
    chat = gr.Chatbot(
        elem_id="ab-chat",
        height=540,
        show_label=False,
        latex_delimiters=[],  # '$5 and $6' in news text is money, not LaTeX
        feedback_options=None,
        buttons=[],
        placeholder="**Ask about the articles.** Answers quote them word for word; "
        "click a citation **[n]** to see the quote in its article.",
    )
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            elem_id="ab-question",
            show_label=False,
            placeholder="Ask a question, e.g. What did Lavrov say about the ceasefire?",
            lines=1,
            max_lines=4,
            scale=8,
            autofocus=True,
            container=False,
        )
        ask = gr.Button("Ask", variant="primary", scale=0, min_width=90, elem_id="ab-ask")
        clear = gr.Button(
            "New chat", variant="secondary", scale=0, min_width=120, elem_id="ab-clear"
        )
    examples = gr.Examples(
        EXAMPLES,
        inputs=[question],
        label="Examples: click one to ask it",
        api_visibility="private",
        elem_id="ab-examples",
    )
    return chat, question, ask, clear, examples


def _upload_row(backend: Backend) -> tuple[gr.File, gr.HTML]:
    gr.Markdown("### Add articles", elem_classes=["ab-h"])
    with gr.Row(equal_height=False):
        files = gr.File(
            label="Article files",
            file_count="multiple",
            file_types=list(SUPPORTED_SUFFIXES),
            type="filepath",
            elem_id="ab-upload",
            height=150,
            scale=1,
        )
        log = gr.HTML(
            f'<div class="ab-meta">Upload {" ".join(SUPPORTED_SUFFIXES)} files of up to '
            f"{MAX_UPLOAD_BYTES // 2**20} MB each. They are saved to "
            f"<code>{esc(backend.articles_dir)}</code> and the index is updated incrementally; "
            "questions keep being answered from the current index meanwhile.</div>",
            elem_id="ab-upload-log",
            scale=1,
        )
    return files, log


def _wire(app: gr.Blocks, backend: Backend, w: Widgets) -> None:
    """Event handlers. UI events are private; the public endpoints are /ask and /ask_followup."""
    respond = make_respond(backend)
    chat_io: dict[str, Any] = {
        "inputs": [w.question, w.turns],
        "outputs": [w.chat, w.turns, w.question],
        "api_visibility": "private",
        "show_progress": "minimal",
    }
    w.question.submit(respond, **chat_io)
    w.ask.click(respond, **chat_io)
    w.examples.load_input_event.then(respond, **chat_io)
    w.clear.click(
        lambda: ([], [], SOURCE_PLACEHOLDER, ""),
        None,
        [w.chat, w.turns, w.panel, w.question],
        api_visibility="private",
        queue=False,
    )
    w.panel.click(make_show_source(backend), [w.turns], [w.panel], api_visibility="private")
    # The handler draws its own progress bar; Gradio's overlay would hide it.
    w.files.upload(
        make_add_articles(backend),
        [w.files],
        [w.log, w.status, w.files],
        api_visibility="private",
        show_progress="hidden",
    )
    app.load(lambda: render_status(backend), None, [w.status], api_visibility="private")
    # A rebuild by the CLI (or another app) is picked up by the next question anyway; the
    # timer makes the status line show it too, without a page reload.
    gr.Timer(STATUS_REFRESH_SECONDS).tick(
        lambda: render_status(backend),
        None,
        [w.status],
        api_visibility="private",
        queue=False,
        show_progress="hidden",
    )

    def answer(question: str, history: list[str]) -> dict[str, Any]:
        # A caller's mistake is a one-line error for the caller, not a traceback in the log.
        try:
            return backend.ask(question, history)
        except AskbriefError as err:
            raise gr.Error(str(err), print_exception=False) from None

    def ask(question: str) -> dict[str, Any]:
        """Answer a question from the articles with verbatim, cited quotes: the same JSON
        as `askbrief query --json`."""
        return answer(question, [])

    def ask_followup(question: str, history: list[str]) -> dict[str, Any]:
        """The same for a question asked after others: `history` holds the conversation's
        earlier questions, oldest first. They only help a follow-up that leans on them
        ("What did he call a ceasefire?"); whether to answer, and the quotes of a question
        that stands on its own, come from the question alone."""

        def shown(value: object) -> str:
            text = repr(value)
            text = text if len(text) <= 60 else text[:59] + "…"
            return f"{text} ({type(value).__name__})"

        give = 'give a list of earlier questions as strings, oldest first, e.g. ["Who is Lavrov?"]'
        if not isinstance(history, list):
            message = f"history is {shown(history)}, not a list; {give}"
            raise gr.Error(message, print_exception=False)
        for i, earlier in enumerate(history):
            if not isinstance(earlier, str):
                message = f"history[{i}] is {shown(earlier)}, not a question; {give}"
                raise gr.Error(message, print_exception=False)
        return answer(question, history)

    # Two endpoints rather than one with an optional history: Gradio's HTTP API refuses a
    # call that sends fewer values than the endpoint declares, and /ask's callers send one.
    gr.api(ask, api_name="ask")
    gr.api(ask_followup, api_name="ask_followup")


def make_respond(backend: Backend) -> Callable[..., Iterator[tuple[Any, ...]]]:
    def respond(question: str, turns: list[Turn]) -> Iterator[tuple[Any, ...]]:
        """Answer with the session's earlier questions as history, so follow-ups work."""
        question = (question or "").strip()
        if not question:
            yield chat_messages(turns), turns, ""
            return
        yield chat_messages(turns, pending=question), turns, ""
        history = [t["question"] for t in turns]
        try:
            turn: Turn = {"question": question, "answer": backend.ask(question, history)}
        except NoIndexError:
            turn = {"question": question, "answer": None, "error": NO_INDEX}
        except AskbriefError as err:
            turn = {"question": question, "answer": None, "error": str(err)}
        turns = [*turns, turn]
        yield chat_messages(turns), turns, ""

    return respond


def make_show_source(backend: Backend) -> Callable[..., str]:
    def show_source(turns: list[Turn], evt: gr.EventData) -> str:
        """Citation [n] of answer `turn` -> its article with that answer's quotes marked."""
        try:
            turn, n = int(evt.turn), int(evt.n)
            answer = turns[turn]["answer"]
            quote = next(q for q in answer["quotes"] if q["n"] == n)
        except (AttributeError, IndexError, KeyError, StopIteration, TypeError, ValueError):
            return source_box(render_error("That citation is not in this conversation."))
        try:
            article = backend.article(quote["article_id"])
        except AskbriefError as err:
            return source_box(render_error(str(err)))
        same = [q for q in answer["quotes"] if q["article_id"] == quote["article_id"]]
        if article.text[quote["start"] : quote["end"]] != quote["text"]:
            # The article changed since this answer (re-indexed); mark only what still matches.
            same = [q for q in same if article.text[q["start"] : q["end"]] == q["text"]]
        return render_source(article, same, n)

    return show_source


def make_add_articles(backend: Backend) -> Callable[..., Iterator[tuple[Any, ...]]]:
    def add_articles(paths: list[str] | None) -> Iterator[tuple[Any, ...]]:
        """Save the uploads, then update the index in the background, reporting progress."""
        saved = save_uploads(paths or [], backend.articles_dir)
        lines = saved.lines
        if not saved.saved:
            yield _log(lines), render_status(backend), None
            return
        if backend.build_lock.locked():
            yield _log([*lines, "Waiting for the index update already running…"]), gr.skip(), None
        for kind, value in run_build(backend):
            if kind == "progress":
                done, total = value
                bar = f'<progress value="{done}" max="{total}"></progress>'
                yield (
                    _log([*lines, f"Updating the index: {done}/{total} passages {bar}"]),
                    gr.skip(),
                    None,
                )
            elif kind == "done":
                report: BuildReport = value
                extra = [f"⚠ {esc(w)}" for w in report.warnings]
                yield (
                    _log([*lines, f"<b>Index updated:</b> {esc(report.summary())}", *extra]),
                    render_status(backend),
                    None,
                )
            else:
                yield (
                    _log([*lines, render_error(f"Index not updated: {value}")]),
                    render_status(backend),
                    None,
                )

    return add_articles


def _log(lines: Sequence[str]) -> str:
    return '<div class="ab-log">' + "".join(f"<div>{line}</div>" for line in lines) + "</div>"


# --------------------------------------------------------------------------- start-up


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python app.py", description="Serve the askbrief web UI (local, offline)."
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("ASKBRIEF_HOST") or DEFAULT_HOST,
        help="Address to bind [env ASKBRIEF_HOST; default: 127.0.0.1, this machine only].",
    )
    parser.add_argument(
        "--port",
        type=_port,  # argparse converts a string default too, so a bad env value is reported
        default=os.environ.get("ASKBRIEF_PORT") or str(DEFAULT_PORT),
        help="Port [env ASKBRIEF_PORT; default: 7860].",
    )
    parser.add_argument(
        "--articles",
        type=Path,
        default=None,
        help="Articles folder [env ASKBRIEF_ARTICLES_DIR; default: seeds].",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--store",
        metavar="URI",
        default=None,
        help="Where the index lives: a folder (FAISS), a .db path (Milvus Lite) or "
        "http://host:19530 (Milvus server) [env ASKBRIEF_STORE; default: index].",
    )
    where.add_argument(
        "--index",
        type=Path,
        default=None,
        help="Index folder; same as --store DIR [env ASKBRIEF_INDEX_DIR; default: index].",
    )
    return parser.parse_args(argv)


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (1-65535)")
    return int(value)


def ensure_index(settings: Settings, embedder: Embedder) -> None:
    """Build the index from the articles folder if there is none yet. An index that exists
    but cannot be used (damaged, older format) is an error to fix, not to paper over."""
    try:
        Index(settings, embedder)
        return
    except NoIndexError:
        pass
    except AskbriefError as err:
        sys.exit(f"askbrief: {err}")
    print(
        f"askbrief: no index at {settings.store_uri} yet; building it from "
        f"{settings.articles_dir}/ …",
        flush=True,
    )
    try:
        report = build_index(settings, embedder, show_progress=True)
    except AskbriefError as err:
        print(f"askbrief: {err}\naskbrief: serving anyway; upload articles in the UI", flush=True)
        return
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"askbrief: {report.summary()}", flush=True)


def _display(settings: Settings) -> str:
    """The index as start-up messages name it: a resolved folder, or the store URI."""
    return settings.store if settings.store else f"{settings.index_dir.resolve()}/"


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        settings = Settings.load(articles_dir=args.articles, index_dir=args.index, store=args.store)
    except AskbriefError as err:
        sys.exit(f"askbrief: {err}")
    embedder = Embedder()
    ensure_index(settings, embedder)
    # Load the model now, off the main thread, so the first question does not wait for it.
    threading.Thread(target=lambda: embedder.model, name="askbrief-warm-up", daemon=True).start()
    app = make_app(settings=settings, embedder=embedder)
    try:
        _, url, _ = app.launch(
            server_name=args.host, server_port=args.port, prevent_thread_lock=True, quiet=True
        )
    except OSError:
        sys.exit(
            f"askbrief: cannot serve on {args.host}:{args.port} (in use, or not an address of "
            "this machine); choose another with --host/--port or ASKBRIEF_HOST/ASKBRIEF_PORT"
        )
    print(
        f"askbrief: serving {_display(settings)} (articles: "
        f"{settings.articles_dir.resolve()}/) at {url.rstrip('/')}  — Ctrl+C to stop",
        flush=True,
    )
    app.block_thread()
