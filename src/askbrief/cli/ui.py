"""`askbrief ui`, which `python app.py` runs too: the web UI's options, declared with the
same click options as every other command (options.py), checked before anything loads; then
askbrief.web.launch serves. web/ never imports cli/: the options end here, as a Settings and
an address."""

from __future__ import annotations

import os
from pathlib import Path

import click

from askbrief.cli.options import (
    articles_option,
    as_of_option,
    run,
    settings_from,
    store_options,
    users_option,
)
from askbrief.config import DEFAULT_HOST, DEFAULT_PORT


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--host",
    default=None,
    help="Address to bind; 0.0.0.0 for every address of this machine [env ASKBRIEF_HOST; "
    f"default: {DEFAULT_HOST}, this machine only].",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help=f"Port [env ASKBRIEF_PORT; default: {DEFAULT_PORT}].",
)
@articles_option("Articles folder; uploads are saved there")
@store_options
@users_option(
    "Users file: sign-in required, readers ask, editors also upload (make it with "
    "`askbrief users add NAME --role reader|editor --users FILE`); needed for any --host "
    "but loopback"
)
@click.option(
    "--read-only",
    is_flag=True,
    default=None,
    help="No uploads or re-indexing through the UI, for anyone [env ASKBRIEF_READ_ONLY].",
)
@as_of_option
@click.option(
    "--public-url",
    default=None,
    metavar="URL",
    help="The address readers reach the app at (https://news.example.org/askbrief): quotes' "
    "permalinks are made absolute under it [env ASKBRIEF_PUBLIC_URL; default: paths on "
    "this server].",
)
def ui(
    host: str | None,
    port: int | None,
    articles_dir: Path | None,
    store: str | None,
    index_dir: Path | None,
    users_file: Path | None,
    read_only: bool | None,
    as_of: str | None,
    public_url: str | None,
) -> None:
    """Serve the web UI (local, offline) until Ctrl+C; a missing index is built first.
    `python app.py` is the same command."""
    settings = settings_from(
        store,
        index_dir,
        articles_dir=articles_dir,
        users=str(users_file) if users_file else None,
        read_only=read_only,
        as_of=as_of,
        public_url=public_url,
    )
    host, host_given = _host(host)
    port = _port(port)
    # imported only now: --help and a refused option answer without loading the web side
    from askbrief.web.launch import serve

    run(lambda: serve(settings, host, port, host_given))


def _host(flag: str | None) -> tuple[str, str]:
    """The host, and how the operator set it, as messages about it name it: the flag, the
    variable, or neither."""
    env = os.environ.get("ASKBRIEF_HOST")
    if flag is not None:
        return flag, f"--host {flag}"
    if env:
        return env, f"ASKBRIEF_HOST={env}"
    return DEFAULT_HOST, f"host {DEFAULT_HOST}"


def _port(flag: int | None) -> int:
    """--port (click checks it), else ASKBRIEF_PORT, checked here: click would name the
    flag for a bad variable."""
    raw = os.environ.get("ASKBRIEF_PORT", "").strip()
    if flag is not None or not raw:
        return flag or DEFAULT_PORT
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise click.ClickException(
            f"ASKBRIEF_PORT={raw!r} is not a port number; give 1 to 65535, or unset ASKBRIEF_PORT"
        )
    return int(raw)
