"""The askbrief web UI, Gradio side: the page layout, its event handlers, the public /ask,
/ask_followup and /ask_between endpoints (and the editors' /add_articles and /reindex), and
Gradio's sign-in when a users file is given.

What the page shows is rendered by ui_render (pure HTML, no gradio), uploads are saved by
ui_uploads, the shared backend lives in ui_backend, and who may do what is decided by access;
this module only wires them to Gradio. gradio is imported here and nowhere else, so the
library and the CLI never pay for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from askbrief.web.gradio_import import skip_stub_writing

# Set before gradio is imported: no analytics, no version check, no hub telemetry. Forced,
# not defaulted: the UI must never phone out, whatever the environment says.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
skip_stub_writing()  # 40% of gradio's import time, for nothing we use (gradio_import.py)

import gradio as gr  # noqa: E402

from askbrief.access.rules import READ_ONLY, Access  # noqa: E402
from askbrief.ask.index import Index  # noqa: E402
from askbrief.config import Settings  # noqa: E402
from askbrief.errors import AskbriefError, NoIndexError  # noqa: E402
from askbrief.ingest.articles import SUPPORTED_SUFFIXES  # noqa: E402
from askbrief.ingest.embedding import Embedder  # noqa: E402
from askbrief.text import plural  # noqa: E402
from askbrief.web.backend import (  # noqa: E402, F401  (Backend, free_port, serving: re-exported)
    DEFAULT_HOST,
    DEFAULT_PORT,
    NO_INDEX,
    Backend,
    free_port,
    render_status,
    serving,
    web_words,
)
from askbrief.web.input import (  # noqa: E402
    API_NAMES,
    BOX_NAMES,
    EMPTY_QUESTION,
    as_shown,
    dates,
    describe_value,
    is_blank,
)
from askbrief.web.render import (  # noqa: E402
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
    source_box,
    upload_help,
)
from askbrief.web.uploads import MAX_UPLOAD_BYTES, refuse_uploads, run_build, save_uploads  # noqa: E402

STATUS_REFRESH_SECONDS = 10
SIGN_IN_MESSAGE = "Sign in to ask askbrief about the articles."
API_NO_INDEX = "there is no index yet: an editor must add articles first"

EXAMPLES = [
    "What did Lavrov say about the ceasefire?",
    "What did Lavrov say about France?",
    "Will Trump and Putin meet?",
    "What does Russia want instead of a ceasefire?",
]


# --------------------------------------------------------------------------- the app


class AskbriefBlocks(gr.Blocks):
    """gr.Blocks whose launch() defaults suit a local, offline tool: loopback, no share link,
    no monitoring or MCP endpoints, system fonts (nothing fetched), our CSS. Explicit
    arguments still win; Gradio 6 takes css and theme in launch(), not in the constructor.
    With a users file, Gradio's own sign-in guards the page and the API alike."""

    access: Access | None = None  # make_app sets it

    def launch(self, **kwargs: Any) -> Any:  # type: ignore[override]  # passes gradio's own on
        defaults: dict[str, Any] = {
            "server_name": DEFAULT_HOST,
            "share": False,
            "ssr_mode": False,
            "pwa": False,
            "mcp_server": False,
            "enable_monitoring": False,
            # Gradio's run history talks to the Hugging Face hub through routes that need
            # no sign-in; askbrief makes no calls out, so it is off.
            "run_history": False,
            "max_file_size": MAX_UPLOAD_BYTES,
            "footer_links": ["api"],
            "css": CSS,
            "theme": gr.themes.Soft(
                primary_hue="indigo", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS
            ),
        }
        if self.access is not None and self.access.signs_in:
            defaults |= {"auth": self.access.sign_in, "auth_message": SIGN_IN_MESSAGE}
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
    user: gr.HTML
    editing: gr.Column  # the upload area: shown to editors only
    files: gr.File
    reindex: gr.Button
    log: gr.HTML


def make_app(
    articles_dir: str | Path | None = None,
    index_dir: str | Path | None = None,
    *,
    store: str | None = None,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    access: Access | None = None,
    index: Index | None = None,
) -> gr.Blocks:
    """The UI over one articles folder and its index (`store`: any store string, as
    `askbrief --store`). Builds nothing itself: main() builds a missing index before
    serving, and uploads update it incrementally afterwards. `access` (default: from the
    settings' users file, read-only flag and limits) decides who may ask and who may add;
    `index`, one already open over these settings, is used rather than opened again."""
    settings = settings or Settings.load(
        articles_dir=articles_dir, index_dir=index_dir, store=store
    )
    access = access or Access.from_settings(settings)
    backend = Backend(settings, embedder, index)
    with AskbriefBlocks(
        title="askbrief", analytics_enabled=False, delete_cache=(3600, 3600)
    ) as app:
        w = _layout(backend, access)
        _wire(app, backend, access, w)
    app.access = access
    return app


def _layout(backend: Backend, access: Access) -> Widgets:
    turns = gr.State([])
    gr.Markdown(
        "# askbrief\nAnswers from your news articles, made only of verbatim quotes; "
        "each one is cited and can be checked in its article.",
        elem_id="ab-header",
    )
    shown = access.signs_in or access.read_only  # no empty line on the default page
    user = gr.HTML(render_user(None, access), elem_id="ab-user", visible=shown)
    status = gr.HTML(render_status(backend), elem_id="ab-status")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            chat, question, ask, clear, examples = _chat_column()
            since, until = _date_range()
        with gr.Column(scale=2, min_width=340):
            gr.Markdown("### Source", elem_classes=["ab-h"])
            panel = gr.HTML(SOURCE_PLACEHOLDER, elem_id="ab-source", js_on_load=SOURCE_JS)
    # Hidden unless this session may edit: shown at once when everyone may (no users
    # file), else on page load once the signed-in user's role is known (_wire).
    with gr.Column(visible=access.may_edit(None), elem_id="ab-add") as editing:
        files, reindex, log = _upload_row(backend)
    return Widgets(
        turns,
        status,
        chat,
        question,
        since,
        until,
        ask,
        clear,
        examples,
        panel,
        user,
        editing,
        files,
        reindex,
        log,
    )


def render_user(user: str | None, access: Access) -> str:
    """Who is signed in, as what, and a way out; that the app is read-only, if it is."""
    parts = []
    if user:
        role = access.role(user) or "no longer a user"
        parts.append(
            f'Signed in as <b>{esc(user)}</b> ({esc(role)}) · <a href="logout">Sign out</a>'
        )
    if access.read_only:
        parts.append(esc(READ_ONLY))
    return f'<div class="ab-meta">{" · ".join(parts)}</div>' if parts else ""


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


def _upload_row(backend: Backend) -> tuple[gr.File, gr.Button, gr.HTML]:
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
    reindex = gr.Button(
        "Update index", variant="secondary", size="sm", elem_id="ab-reindex", scale=0
    )
    return files, reindex, log


def _wire(app: gr.Blocks, backend: Backend, access: Access, w: Widgets) -> None:
    """Event handlers. UI events are private; the public endpoints are /ask, /ask_followup
    and /ask_between, and editors' scripts may also call /add_articles and /reindex (left off
    the API page). Every handler checks the caller's rights itself."""
    respond = make_respond(backend, access)
    # chat and API questions share one limit on how many are answered at once
    asking: dict[str, Any] = {
        "concurrency_limit": max(1, backend.settings.ask_concurrency),
        "concurrency_id": "ask",
    }
    chat_io: dict[str, Any] = {
        "inputs": [w.question, w.turns, w.since, w.until],
        "outputs": [w.chat, w.turns, w.question],
        "api_visibility": "private",
        "show_progress": "minimal",
        **asking,
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
    # The handlers draw their own progress bar; Gradio's overlay would hide it.
    w.files.upload(
        make_add_articles(backend, access),
        [w.files],
        [w.log, w.status, w.files],
        api_name="add_articles",
        api_visibility="undocumented",
        show_progress="hidden",
    )
    reindex = make_reindex(backend, access)
    w.reindex.click(  # named so that "reindex" stays the API's name
        reindex,
        None,
        [w.log, w.status],
        api_name="update_index",
        api_visibility="private",
        show_progress="hidden",
    )
    app.load(lambda: render_status(backend), None, [w.status], api_visibility="private")
    if access.signs_in:

        def signed_in(request: gr.Request) -> tuple[Any, str]:
            user = request.username
            return gr.update(visible=access.may_edit(user)), render_user(user, access)

        app.load(signed_in, None, [w.editing, w.user], api_visibility="private", queue=False)
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
    ask, ask_followup, ask_between = make_api(backend, access)
    gr.api(ask, api_name="ask", **asking)
    gr.api(ask_followup, api_name="ask_followup", **asking)
    gr.api(ask_between, api_name="ask_between", **asking)
    gr.api(make_reindex_api(backend, access), api_name="reindex", api_visibility="undocumented")


def _rejected(message: str) -> gr.Error:
    """A caller's mistake: a one-line error for the caller, no traceback on the console."""
    return gr.Error(message, print_exception=False)


def _user(request: gr.Request | None) -> str | None:
    """The name Gradio signed this caller in with; None without sign-in."""
    return getattr(request, "username", None) if request is not None else None


def make_api(backend: Backend, access: Access | None = None) -> tuple[Callable[..., Any], ...]:
    """The public endpoints' functions; their docstrings and hints are the API page."""
    rules = access or Access()

    def answer(
        question: object,
        history: list[str],
        since: object = "",
        until: object = "",
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        if not isinstance(question, str):
            raise _rejected(
                f"question is {describe_value(question)}, not text; ask e.g. "
                '"What did Lavrov say about France?"'
            )
        refusal = rules.question_refusal(_user(request))
        if refusal:
            raise _rejected(refusal)
        try:
            return backend.ask(question, history, *dates(since, until, API_NAMES))
        except NoIndexError:
            raise _rejected(API_NO_INDEX) from None
        except AskbriefError as err:
            raise _rejected(web_words(str(err))) from None

    def ask(question: str, request: gr.Request | None = None) -> dict[str, Any]:
        """Answer a question from the articles with verbatim, cited quotes, as JSON:
        `answered`, `message`, `quotes` (each with its text, `article_id`, `title` and the
        span [`start`, `end`) of the text in its article) and `sources`; a refusal says
        `why` and may give the `closest` passage, which is not an answer."""
        return answer(question, [], request=request)

    def ask_followup(
        question: str, history: list[str], request: gr.Request | None = None
    ) -> dict[str, Any]:
        """The same for a question asked after others: `history` holds the conversation's
        earlier questions, oldest first. They only help a follow-up that leans on them
        ("What did he call a ceasefire?"); whether to answer, and the quotes of a question
        that stands on its own, come from the question alone."""
        give = 'give a list of earlier questions as strings, oldest first, e.g. ["Who is Lavrov?"]'
        if not isinstance(history, list):
            raise _rejected(f"history is {describe_value(history)}, not a list; {give}")
        for i, earlier in enumerate(history):
            if not isinstance(earlier, str):
                raise _rejected(
                    f"history[{i}] is {describe_value(earlier)}, not a question; {give}"
                )
        return answer(question, history, request=request)

    def ask_between(
        question: str, since: str, until: str, request: gr.Request | None = None
    ) -> dict[str, Any]:
        """The same, kept to articles dated from `since` to `until` (YYYY-MM-DD; "" leaves
        that side open). Undated articles always stay in; the answer's `window` says so."""
        return answer(question, [], since, until, request)

    return ask, ask_followup, ask_between


def make_respond(
    backend: Backend, access: Access | None = None
) -> Callable[..., Iterator[tuple[Any, ...]]]:
    rules = access or Access()

    def respond(
        question: str,
        turns: list[Turn],
        since: str = "",
        until: str = "",
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Answer with the session's earlier questions as history, so follow-ups work, and
        the date range if one is given. A blank question gets a note, kept out of the
        conversation; one too long to ask is shown shortened beside its error."""
        question = (question or "").strip()
        if is_blank(question):
            note = {"role": "assistant", "content": render_error(EMPTY_QUESTION, len(turns))}
            yield [*chat_messages(turns), note], turns, ""
            return
        # echoed shortened if too long to ask; the whole question is still what is asked
        echo = as_shown(question)
        yield chat_messages(turns, pending=echo), turns, ""
        history = [t["question"] for t in turns]
        turn: Turn
        try:
            refusal = rules.question_refusal(_user(request))
            if refusal:
                raise AskbriefError(refusal)
            answer = backend.ask(question, history, *dates(since, until, BOX_NAMES))
            turn = {"question": echo, "answer": answer}
        except NoIndexError:
            turn = {"question": echo, "answer": None, "error": NO_INDEX}
        except AskbriefError as err:
            turn = {"question": echo, "answer": None, "error": web_words(str(err))}
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
        except NoIndexError:
            return source_box(render_error(NO_INDEX))
        except AskbriefError as err:
            return source_box(render_error(web_words(str(err))))
        same = [q for q in answer["quotes"] if q["article_id"] == quote["article_id"]]
        if article.text[quote["start"] : quote["end"]] != quote["text"]:
            # The article changed since this answer (re-indexed); mark only what still matches.
            same = [q for q in same if article.text[q["start"] : q["end"]] == q["text"]]
        return render_source(article, same, n)

    return show_source


def make_add_articles(
    backend: Backend, access: Access | None = None
) -> Callable[..., Iterator[tuple[Any, ...]]]:
    rules = access or Access()

    def add_articles(
        paths: list[str] | None, request: gr.Request | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Save the uploads, then update the index in the background, reporting progress.
        Editors only; every file goes into the upload log, whatever becomes of it."""
        paths, user = paths or [], _user(request)
        refusal = rules.edit_refusal(user) or rules.count_refusal(len(paths))
        if refusal:
            refuse_uploads(paths, backend.articles_dir, user, refusal)
            raise _rejected(refusal)
        saved = save_uploads(paths, backend.articles_dir, user, lambda: rules.file_refusal(user))
        lines = [esc(line) for line in saved.lines]
        if not saved.saved:
            yield render_log(lines), render_status(backend), None
            return
        for log, status in _build_log(backend, lines):
            yield log, status, None

    return add_articles


def make_reindex(backend: Backend, access: Access) -> Callable[..., Iterator[tuple[Any, ...]]]:
    def reindex(request: gr.Request | None = None) -> Iterator[tuple[Any, ...]]:
        """The "Update index" button: editors only, like uploads."""
        refusal = access.edit_refusal(_user(request))
        if refusal:
            raise _rejected(refusal)
        yield from _build_log(backend, [esc("Updating the index from the articles folder…")])

    return reindex


def make_reindex_api(backend: Backend, access: Access) -> Callable[..., dict[str, Any]]:
    def reindex(request: gr.Request | None = None) -> dict[str, Any]:
        """Editors only: update the index from the articles folder (new, changed and removed
        files) and say what changed: a summary, the counts after it, and any warnings."""
        refusal = access.edit_refusal(_user(request))
        if refusal:
            raise _rejected(refusal)
        try:
            report = backend.build()
        except AskbriefError as err:
            raise _rejected(web_words(str(err))) from None
        return {
            "summary": report.summary(),
            "articles": report.articles,
            "passages": report.passages,
            "seconds": round(report.seconds, 1),
            "warnings": list(report.warnings),
        }

    return reindex


def _build_log(backend: Backend, lines: list[str]) -> Iterator[tuple[str, Any]]:
    """(upload log, status line) as an incremental build runs in the background."""
    if backend.build_lock.locked():
        yield render_log([*lines, "Waiting for the index update already running…"]), gr.skip()
    for kind, value in run_build(backend.build):
        if kind == "progress":
            yield render_log([*lines, render_progress(*value)]), gr.skip()
        elif kind == "done":
            yield render_log([*lines, *render_report(value)]), render_status(backend)
        else:
            failed = render_error(f"Index not updated: {value}")
            yield render_log([*lines, failed]), render_status(backend)
