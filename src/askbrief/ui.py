"""The askbrief web UI, Gradio side: the page layout, its event handlers, the public /ask and
/ask_followup endpoints, and start-up (`python app.py`, `askbrief ui`).

What the page shows is rendered by ui_render (pure HTML, no gradio) and uploads are saved by
ui_uploads; this module only wires them to Gradio. gradio is imported here and nowhere else,
so the library and the CLI never pay for it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

# Set before gradio is imported: no analytics, no version check, no hub telemetry. Forced,
# not defaulted: the UI must never phone out, whatever the environment says.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import gradio as gr  # noqa: E402

from .articles import SUPPORTED_SUFFIXES  # noqa: E402
from .build import build_index  # noqa: E402
from .config import Settings  # noqa: E402
from .embedding import Embedder  # noqa: E402
from .errors import AskbriefError, NoIndexError  # noqa: E402
from .index import Index  # noqa: E402
from .records import Article, BuildReport  # noqa: E402
from .text import plural  # noqa: E402
from .timeframe import parse_day  # noqa: E402
from .ui_render import (  # noqa: E402
    CSS,
    MONO_FONTS,
    SOURCE_JS,
    SOURCE_PLACEHOLDER,
    SYSTEM_FONTS,
    Turn,
    chat_messages,
    esc,
    render_error,
    render_log,
    render_progress,
    render_report,
    render_source,
    render_status_problem,
    source_box,
    upload_help,
)
from .ui_render import render_status as render_status_line  # noqa: E402
from .ui_uploads import MAX_UPLOAD_BYTES, Progress, run_build, save_uploads  # noqa: E402

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
NO_INDEX = "No index yet: add articles below and it is built for you."
STATUS_REFRESH_SECONDS = 10

EXAMPLES = [
    "What did Lavrov say about the ceasefire?",
    "What did Lavrov say about France?",
    "Will Trump and Putin meet?",
    "What does Russia want instead of a ceasefire?",
]


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

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        since: date | None = None,
        until: date | None = None,
    ) -> dict[str, Any]:
        return self.index().ask(question, history=list(history), since=since, until=until).to_dict()

    def article(self, article_id: str) -> Article:
        return self.index().article(article_id)

    def stats(self) -> dict[str, Any]:
        return self.index().stats()

    def build(self, progress: Progress | None = None) -> BuildReport:
        """Incremental update; readers keep the old generation until the new one is published."""
        with self.build_lock:
            return build_index(self.settings, self.embedder, progress=progress)


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def render_status(backend: Backend) -> str:
    """The status line for the index the chat answers from, or why there is none; with what
    its last build changed (the manifest's last_build), if that build is the one shown."""
    try:
        manifest = backend.index().store.manifest
        stats = backend.stats()
    except NoIndexError:
        return render_status_problem(NO_INDEX)
    except AskbriefError as err:
        return render_status_problem(f"Index unavailable: {err}")
    if "last_build" not in stats and manifest.get("built_at") == stats.get("built_at"):
        stats["last_build"] = manifest.get("last_build")
    return render_status_line(stats)


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


# --------------------------------------------------------------------------- the app


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

    def validate_inputs(self, block_fn: Any, inputs: list[Any]) -> None:
        """A call with too few values (say /ask with no question) is the caller's mistake:
        a one-line error for the caller, not Gradio's traceback on the server console."""
        try:
            super().validate_inputs(block_fn, inputs)
        except ValueError:
            wanted = len(block_fn.inputs)
            name = block_fn.api_name or block_fn.name or "this endpoint"
            message = f"/{name} takes {wanted} {plural(wanted, 'value')}; got {len(inputs)}"
            raise gr.Error(message, print_exception=False) from None


@dataclass
class Widgets:
    turns: gr.State
    status: gr.HTML
    chat: gr.Chatbot
    question: gr.Textbox
    since: gr.Textbox
    until: gr.Textbox
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
            since, until = _date_range()
        with gr.Column(scale=2, min_width=340):
            gr.Markdown("### Source", elem_classes=["ab-h"])
            panel = gr.HTML(SOURCE_PLACEHOLDER, elem_id="ab-source", js_on_load=SOURCE_JS)
    files, log = _upload_row(backend)
    return Widgets(
        turns, status, chat, question, since, until, ask, clear, examples, panel, files, log
    )


def _date_range() -> tuple[gr.Textbox, gr.Textbox]:
    """Optional dates that keep answers to articles dated between them (undated ones stay)."""
    with gr.Accordion("Only articles between dates", open=False, elem_id="ab-dates"), gr.Row():
        since = gr.Textbox(label="From", placeholder="YYYY-MM-DD", elem_id="ab-since")
        until = gr.Textbox(label="To", placeholder="YYYY-MM-DD", elem_id="ab-until")
    return since, until


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
            upload_help(backend.articles_dir, SUPPORTED_SUFFIXES, MAX_UPLOAD_BYTES // 2**20),
            elem_id="ab-upload-log",
            scale=1,
        )
    return files, log


def _wire(app: gr.Blocks, backend: Backend, w: Widgets) -> None:
    """Event handlers. UI events are private; the public endpoints are /ask and /ask_followup."""
    respond = make_respond(backend)
    chat_io: dict[str, Any] = {
        "inputs": [w.question, w.turns, w.since, w.until],
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

    # Two endpoints rather than one with an optional history: Gradio's HTTP API refuses a
    # call that sends fewer values than the endpoint declares, and /ask's callers send one.
    ask, ask_followup, ask_between = make_api(backend)
    gr.api(ask, api_name="ask")
    gr.api(ask_followup, api_name="ask_followup")
    gr.api(ask_between, api_name="ask_between")


def _rejected(message: str) -> gr.Error:
    """A caller's mistake: a one-line error for the caller, no traceback on the console."""
    return gr.Error(message, print_exception=False)


def _shown(value: object) -> str:
    """A caller's bad value as an error message quotes it: short, with its type."""
    text = repr(value)
    text = text if len(text) <= 60 else text[:59] + "…"
    return f"{text} ({type(value).__name__})"


def make_api(backend: Backend) -> tuple[Callable[..., Any], ...]:
    """The public endpoints' functions; their docstrings and hints are the API page."""

    def answer(
        question: object, history: list[str], since: object = "", until: object = ""
    ) -> dict[str, Any]:
        if not isinstance(question, str):
            raise _rejected(
                f"question is {_shown(question)}, not text; ask e.g. "
                '"What did Lavrov say about France?"'
            )
        try:
            return backend.ask(question, history, *dates(since, until))
        except AskbriefError as err:
            raise _rejected(str(err)) from None

    def ask(question: str) -> dict[str, Any]:
        """Answer a question from the articles with verbatim, cited quotes: the same JSON
        as `askbrief query --json`."""
        return answer(question, [])

    def ask_followup(question: str, history: list[str]) -> dict[str, Any]:
        """The same for a question asked after others: `history` holds the conversation's
        earlier questions, oldest first. They only help a follow-up that leans on them
        ("What did he call a ceasefire?"); whether to answer, and the quotes of a question
        that stands on its own, come from the question alone."""
        give = 'give a list of earlier questions as strings, oldest first, e.g. ["Who is Lavrov?"]'
        if not isinstance(history, list):
            raise _rejected(f"history is {_shown(history)}, not a list; {give}")
        for i, earlier in enumerate(history):
            if not isinstance(earlier, str):
                raise _rejected(f"history[{i}] is {_shown(earlier)}, not a question; {give}")
        return answer(question, history)

    def ask_between(question: str, since: str, until: str) -> dict[str, Any]:
        """The same, kept to articles dated from `since` to `until` (YYYY-MM-DD; "" leaves
        that side open). Undated articles always stay in; the answer's `window` says so."""
        return answer(question, [], since, until)

    return ask, ask_followup, ask_between


def make_respond(backend: Backend) -> Callable[..., Iterator[tuple[Any, ...]]]:
    def respond(
        question: str, turns: list[Turn], since: str = "", until: str = ""
    ) -> Iterator[tuple[Any, ...]]:
        """Answer with the session's earlier questions as history, so follow-ups work, and
        the date range if one is given."""
        question = (question or "").strip()
        if not question:
            yield chat_messages(turns), turns, ""
            return
        yield chat_messages(turns, pending=question), turns, ""
        history = [t["question"] for t in turns]
        try:
            answer = backend.ask(question, history, *dates(since, until))
            turn: Turn = {"question": question, "answer": answer}
        except NoIndexError:
            turn = {"question": question, "answer": None, "error": NO_INDEX}
        except AskbriefError as err:
            turn = {"question": question, "answer": None, "error": str(err)}
        turns = [*turns, turn]
        yield chat_messages(turns), turns, ""

    return respond


def dates(since: object, until: object) -> tuple[date | None, date | None]:
    """The date range's two fields as dates; "" or None leaves a side open. A value that is
    not a date is an AskbriefError naming it."""

    def day(value: object, what: str) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise AskbriefError(f"{what} is {_shown(value)}; give a date as YYYY-MM-DD")
        return parse_day(value, what)

    return day(since, "from-date"), day(until, "to-date")


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
        lines = [esc(line) for line in saved.lines]
        if not saved.saved:
            yield render_log(lines), render_status(backend), None
            return
        if backend.build_lock.locked():
            waiting = "Waiting for the index update already running…"
            yield render_log([*lines, waiting]), gr.skip(), None
        for kind, value in run_build(backend.build):
            if kind == "progress":
                yield render_log([*lines, render_progress(*value)]), gr.skip(), None
            elif kind == "done":
                yield render_log([*lines, *render_report(value)]), render_status(backend), None
            else:
                failed = render_error(f"Index not updated: {value}")
                yield render_log([*lines, failed]), render_status(backend), None

    return add_articles
