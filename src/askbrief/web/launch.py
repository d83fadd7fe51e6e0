"""Starting the web UI: `python app.py` and `askbrief ui` both call `main`, which reads the
options, refuses to serve beyond this machine without sign-in, builds a missing index
(progress on the console), and serves until Ctrl+C."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from askbrief.access.rules import Access, problem_serving
from askbrief.ask.index import Index
from askbrief.config import Settings
from askbrief.console import ProgressBars
from askbrief.errors import AskbriefError, NoIndexError
from askbrief.ingest.embedding import Embedder
from askbrief.store.build import build_index
from askbrief.web.backend import DEFAULT_HOST, DEFAULT_PORT, WILDCARDS, addresses


def parse_args(
    argv: Sequence[str] | None = None, prog: str = "python app.py"
) -> argparse.Namespace:
    """The launcher's options; `prog` names the command in --help (`askbrief ui` too)."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Serve the askbrief web UI (local, offline)."
    )
    parser.add_argument(
        "--host",
        default=None,
        help="Address to bind; 0.0.0.0 for every address of this machine [env ASKBRIEF_HOST; "
        "default: 127.0.0.1, this machine only].",
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
    parser.add_argument(
        "--users",
        metavar="FILE",
        default=None,
        help="Users file: sign-in required, readers ask, editors also upload (make it with "
        "`askbrief users add NAME --role reader|editor --users FILE`); needed for any --host "
        "but loopback [env ASKBRIEF_USERS].",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="No uploads or re-indexing through the UI, for anyone [env ASKBRIEF_READ_ONLY].",
    )
    args = parser.parse_args(argv)
    # Messages about the host name the setting the user made: the flag or the variable.
    env_host = os.environ.get("ASKBRIEF_HOST")
    if args.host is not None:
        args.host_given = f"--host {args.host}"
    elif env_host:
        args.host, args.host_given = env_host, f"ASKBRIEF_HOST={env_host}"
    else:
        args.host, args.host_given = DEFAULT_HOST, f"host {DEFAULT_HOST}"
    return args


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (1-65535)")
    return int(value)


def ensure_index(settings: Settings, embedder: Embedder) -> Index | None:
    """The open index, built from the articles folder first if there is none yet (None if
    that build fails: the app serves anyway). An index that exists but cannot be used
    (damaged, older format) is an error to fix, not to paper over."""
    try:
        return Index(settings, embedder)
    except NoIndexError:
        pass
    except AskbriefError as err:
        sys.exit(f"askbrief: {err}")
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


def _display(settings: Settings) -> str:
    """The index as start-up messages name it: a resolved folder, or the store URI with any
    password masked."""
    return settings.location.shown if settings.store else f"{settings.index_dir.resolve()}/"


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


def main(argv: Sequence[str] | None = None, prog: str = "python app.py") -> None:
    """Serve the UI until Ctrl+C: `python app.py` and `askbrief ui` both call this, with
    argv as given after the command (None: sys.argv[1:])."""
    args = parse_args(argv, prog)
    try:
        settings = Settings.load(
            articles_dir=args.articles,
            index_dir=args.index,
            store=args.store,
            users=args.users,
            read_only=args.read_only,
        )
        problem = problem_serving(args.host, settings, args.host_given)
        if problem:  # before any work, and long before anything listens
            sys.exit(f"askbrief: {problem}")
        access = Access.from_settings(settings)
    except AskbriefError as err:
        sys.exit(f"askbrief: {err}")
    embedder = Embedder()
    # The model loads in a thread while gradio, the slowest import, is imported here and not
    # at the top (so --help and a refusal above answer at once): 0.3 s sooner to the first
    # answer, and the first question does not wait for the model.
    embedder.warm_up()
    from askbrief.web.blocks import make_app

    index = ensure_index(settings, embedder)  # opened once, then the app's own
    app = make_app(settings=settings, embedder=embedder, access=access, index=index)
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
        f"{settings.articles_dir.resolve()}/) at {_where(args.host, args.port, url)}"
        f"{_guarded(settings)}  — Ctrl+C to stop",
        flush=True,
    )
    app.block_thread()
