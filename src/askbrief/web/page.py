"""What the web UI's page shows, and where: the header, who is signed in, the status line,
the chat with its question box and examples, the dates under it, the source panel, and the
editors' upload area. Components only; what they do is wired in blocks.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from askbrief.access.rules import READ_ONLY, Access
from askbrief.ingest.articles import SUPPORTED_SUFFIXES
from askbrief.web.backend import Backend, render_status
from askbrief.web.gradio_import import gr
from askbrief.web.quote_page import COPY_JS
from askbrief.web.render import SOURCE_JS, SOURCE_PLACEHOLDER, esc, upload_help
from askbrief.web.uploads import MAX_UPLOAD_BYTES

if TYPE_CHECKING:  # the class; gr.Examples is a function that makes one
    from gradio.helpers import Examples

EXAMPLES = [
    "What did Lavrov say about the ceasefire?",
    "What did Lavrov say about France?",
    "Will Trump and Putin meet?",
    "What does Russia want instead of a ceasefire?",
]


@dataclass
class Widgets:
    turns: gr.State
    status: gr.HTML
    chat: gr.Chatbot
    question: gr.Textbox
    since: gr.Textbox
    until: gr.Textbox
    as_of: gr.Textbox
    ask: gr.Button
    clear: gr.Button
    examples: Examples
    panel: gr.HTML
    user: gr.HTML
    editing: gr.Column  # the upload area: shown to editors only
    files: gr.File
    reindex: gr.Button
    log: gr.HTML


def layout(backend: Backend, access: Access) -> Widgets:
    """The page's components, made inside the app's gr.Blocks."""
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
            since, until, as_of = _dates(backend)
        with gr.Column(scale=2, min_width=340):
            gr.Markdown("### Source", elem_classes=["ab-h"])
            panel = gr.HTML(SOURCE_PLACEHOLDER, elem_id="ab-source", js_on_load=SOURCE_JS + COPY_JS)
    # Hidden unless this session may edit: shown at once when everyone may (no users
    # file), else on page load once the signed-in user's role is known (blocks._wire).
    with gr.Column(visible=access.may_edit(None), elem_id="ab-add") as editing:
        files, reindex, log = _upload_row(backend)
    return Widgets(
        turns,
        status,
        chat,
        question,
        since,
        until,
        as_of,
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


def _dates(backend: Backend) -> tuple[gr.Textbox, gr.Textbox, gr.Textbox]:
    """Folded under the question: optional dates that keep answers to articles dated between
    them (undated ones stay), and the date the question's time words count from (filled in
    and unfolded when the app was started with --as-of or ASKBRIEF_AS_OF)."""
    as_of = backend.settings.as_of
    with gr.Accordion("Dates", open=as_of is not None, elem_id="ab-dates"), gr.Row():
        since = gr.Textbox(
            label="From",
            info="Only articles dated on or after",
            placeholder="YYYY-MM-DD",
            elem_id="ab-since",
        )
        until = gr.Textbox(
            label="To",
            info="Only articles dated on or before",
            placeholder="YYYY-MM-DD",
            elem_id="ab-until",
        )
        day = gr.Textbox(
            as_of.isoformat() if as_of else "",
            label="As of",
            info="“This week”, “latest” count from",
            placeholder="YYYY-MM-DD (newest article)",
            elem_id="ab-as-of",
        )
    return since, until, day


def _chat_column() -> tuple[gr.Chatbot, gr.Textbox, gr.Button, gr.Button, Examples]:
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
