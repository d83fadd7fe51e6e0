"""Starting the web UI: `serve` refuses to serve beyond this machine without sign-in, builds
a missing index (progress on the console), and serves until Ctrl+C. Its options are read by
`askbrief ui` (cli/ui.py), which `python app.py` runs: they arrive here as a Settings and an
address, already checked."""

from __future__ import annotations

import sys

from askbrief.access.rules import Access, problem_serving
from askbrief.ask.index import Index
from askbrief.config import DEFAULT_HOST, DEFAULT_PORT, Settings
from askbrief.console import ProgressBars
from askbrief.errors import AskbriefError, NoIndexError
from askbrief.ingest.embedding import Embedder
from askbrief.location import FAISS
from askbrief.store.build import build_index
from askbrief.web.backend import WILDCARDS, addresses


def ensure_index(settings: Settings, embedder: Embedder) -> Index | None:
    """The open index, built from the articles folder first if there is none yet (None if
    that build fails: the app serves anyway). An index that exists but cannot be used
    (damaged, older format) is an error to fix, not to paper over: it is raised."""
    try:
        return Index(settings, embedder)
    except NoIndexError:
        pass
    print(
        f"askbrief: no index at {settings.location.shown} yet; building it from "
        f"{settings.articles_dir}/ …",
        flush=True,
    )
    try:
        with ProgressBars() as bars:
            report = build_index(settings, embedder, progress=bars)
    except AskbriefError as err:
        print(f"askbrief: {err}\naskbrief: serving anyway; upload articles in the UI", flush=True)
        return None
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"askbrief: {report.summary()}", flush=True)
    return Index(settings, embedder)


def _display(settings: Settings) -> str:
    """The index as start-up messages name it: a resolved folder, or the store URI with any
    password masked."""
    where = settings.location
    return f"{where.path.resolve()}/" if where.kind == FAISS and where.path else where.shown


def _guarded(settings: Settings) -> str:
    """What protects it, as the start-up line says: sign-in, read-only, or neither."""
    said = [f"sign-in with {settings.users_file}"] if settings.users_file else []
    said += ["read-only"] if settings.read_only else []
    return f" ({', '.join(said)})" if said else ""


def _where(host: str, port: int, url: str) -> str:
    """The addresses to open: gradio's URL, and when the app listens on every address
    (0.0.0.0, ::), those others can use as well, since "localhost" works only here."""
    if host.strip("[]") not in WILDCARDS:
        return url.rstrip("/")
    others = [f"http://{name}:{port}" for name in addresses()]
    here = f"http://localhost:{port} on this machine"
    return f"{here}, {' or '.join(others)} from others" if others else here


def serve(
    settings: Settings,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    host_given: str | None = None,
) -> None:
    """Serve the UI on host:port until Ctrl+C. `host_given` says how the operator set the
    host ("--host 0.0.0.0", "ASKBRIEF_HOST=0.0.0.0"), for the refusal to name. A reason not
    to serve is a one-line AskbriefError, raised before the model loads where it can be."""
    problem = problem_serving(host, settings, host_given)
    if problem:  # before any work, and long before anything listens
        raise AskbriefError(problem)
    access = Access.from_settings(settings)
    embedder = Embedder()
    # The model loads in a thread while gradio, the slowest import, is imported here and not
    # at the top (so a refusal above answers at once): 0.3 s sooner to the first answer, and
    # the first question does not wait for the model.
    embedder.warm_up()
    from askbrief.web.blocks import make_app

    index = ensure_index(settings, embedder)  # opened once, then the app's own
    app = make_app(settings=settings, embedder=embedder, access=access, index=index)
    try:
        _, url, _ = app.launch(
            server_name=host, server_port=port, prevent_thread_lock=True, quiet=True
        )
    except OSError:
        raise AskbriefError(
            f"cannot serve on {host}:{port} (in use, or not an address of this machine); "
            "choose another with --host/--port or ASKBRIEF_HOST/ASKBRIEF_PORT"
        ) from None
    print(
        f"askbrief: serving {_display(settings)} (articles: "
        f"{settings.articles_dir.resolve()}/) at {_where(host, port, url)}"
        f"{_guarded(settings)}  — Ctrl+C to stop",
        flush=True,
    )
    app.block_thread()
