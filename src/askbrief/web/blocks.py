"""The askbrief web UI, Gradio side: the app (gr.Blocks with local, offline defaults and
Gradio's sign-in when a users file is given), and the wiring of the page's events and the
public endpoints to their handlers.

Each job has its own module: the page's components (page.py), the chat and source panel
(chat.py), the public /ask, /ask_followup and /ask_between (api.py), the editors' uploads and
re-indexing (editing.py), the permalink page /quote beside Gradio's routes (permalink.py, its
HTML in quote_page.py). What the page shows is rendered by render.py (pure HTML, no
gradio), uploads are saved by uploads.py, the shared backend lives in backend.py, and who
may do what is decided by access/. gradio is imported through gradio_import.py only by these
Gradio modules, so the library and the CLI never pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from askbrief.access.rules import Access
from askbrief.ask.index import Index
from askbrief.config import DEFAULT_HOST, Settings
from askbrief.ingest.embedding import Embedder
from askbrief.text import plural
from askbrief.web.api import make_api
from askbrief.web.backend import (  # noqa: F401  (NO_INDEX, free_port, serving: re-exported)
    NO_INDEX,
    Backend,
    free_port,
    render_status,
    serving,
)
from askbrief.web.chat import make_respond, make_show_source
from askbrief.web.editing import make_add_articles, make_reindex, make_reindex_api
from askbrief.web.gradio_import import get_function_params, gr
from askbrief.web.page import Widgets, layout, render_user
from askbrief.web.permalink import permalink_routes
from askbrief.web.render import CSS, MONO_FONTS, SOURCE_PLACEHOLDER, SYSTEM_FONTS
from askbrief.web.uploads import MAX_UPLOAD_BYTES

STATUS_REFRESH_SECONDS = 10
SIGN_IN_MESSAGE = "Sign in to ask askbrief about the articles."


class AskbriefBlocks(gr.Blocks):
    """gr.Blocks whose launch() defaults suit a local, offline tool: loopback, no share link,
    no monitoring or MCP endpoints, system fonts (nothing fetched), our CSS. Explicit
    arguments still win; Gradio 6 takes css and theme in launch(), not in the constructor.
    With a users file, Gradio's own sign-in guards the page and the API alike."""

    access: Access | None = None  # make_app sets it
    routes_beside: tuple[Any, ...] = ()  # make_app sets them: the permalink page (/quote)

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
        # Gradio makes a new FastAPI app at each launch: FastAPI's `routes=` puts ours in it
        # (a fresh dict each time, as Gradio adds to the one it is given)
        extra = dict(kwargs.pop("app_kwargs", None) or {})
        extra["routes"] = [*self.routes_beside, *extra.get("routes", [])]
        return super().launch(**(defaults | kwargs), app_kwargs=extra)

    def validate_inputs(self, block_fn: Any, inputs: list[Any]) -> None:
        """A plain HTTP call may leave out an endpoint's optional last values (`as_of`):
        they take their defaults, as gradio_client fills them in. A call with too few values
        (say /ask with no question) is the caller's mistake: a one-line error for the
        caller, not Gradio's traceback on the server console."""
        params = get_function_params(block_fn.fn) if block_fn.fn is not None else []
        needed = sum(not has_default for _, has_default, _, _ in params)
        if len(params) == len(block_fn.inputs) and needed <= len(inputs) < len(params):
            inputs.extend(default for _, _, default, _ in params[len(inputs) :])
        try:
            super().validate_inputs(block_fn, inputs)
        except ValueError:
            most = len(block_fn.inputs)
            wanted = f"{needed} to {most}" if needed < most else str(most)
            name = block_fn.api_name or block_fn.name or "this endpoint"
            message = f"/{name} takes {wanted} {plural(most, 'value')}; got {len(inputs)}"
            raise gr.Error(message, print_exception=False) from None


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
    `askbrief --store`). Builds nothing itself: launch.serve builds a missing index before
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
        w = layout(backend, access)
        _wire(app, backend, access, w)
    app.access = access
    app.routes_beside = tuple(permalink_routes(backend, access))
    return app


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
        "inputs": [w.question, w.turns, w.since, w.until, w.as_of],
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
    w.reindex.click(  # named so that "reindex" stays the API's name
        make_reindex(backend, access),
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

    # Three endpoints rather than one with an optional history and range: optional values
    # must come last, and /ask's callers send the question alone (or with `as_of`).
    ask, ask_followup, ask_between = make_api(backend, access)
    gr.api(ask, api_name="ask", **asking)
    gr.api(ask_followup, api_name="ask_followup", **asking)
    gr.api(ask_between, api_name="ask_between", **asking)
    gr.api(make_reindex_api(backend, access), api_name="reindex", api_visibility="undocumented")
