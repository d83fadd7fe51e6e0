"""What every askbrief command shares: the store and articles options, settings from
flags, one-line errors instead of tracebacks, and the line a finished build prints."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from askbrief.config import BOUNDS, Settings
from askbrief.errors import AskbriefError
from askbrief.records import BuildReport
from askbrief.text import counted


def store_options(fn: Any = None, *, default: str = "index", env: bool = True) -> Any:
    """--store URI, and --index DIR, its older name: two ways to give Settings.location.
    `@store_options` for the index the commands share; `default`/`env` for a command with an
    index of its own (`askbrief eval`: its dataset's, never ASKBRIEF_STORE's)."""

    def add(fn: Any) -> Any:
        said = f"env {{}}; default: {default}" if env else f"default: {default}"
        fn = click.option(
            "--index",
            "index_dir",
            type=click.Path(path_type=Path),
            default=None,
            help=f"Index folder; same as --store DIR [{said.format('ASKBRIEF_INDEX_DIR')}].",
        )(fn)
        return click.option(
            "--store",
            metavar="URI",
            default=None,
            help="Where the index lives: a folder (FAISS), a path ending in .db (Milvus Lite) "
            f"or http://host:19530[/prefix] (Milvus server) [{said.format('ASKBRIEF_STORE')}].",
        )(fn)

    return add(fn) if fn is not None else add


def articles_option(help_text: str) -> Any:
    """--articles DIR, saying what this command does with the folder."""
    return click.option(
        "--articles",
        "articles_dir",
        type=click.Path(path_type=Path),
        default=None,
        help=f"{help_text} [env ASKBRIEF_ARTICLES_DIR; default: seeds].",
    )


def users_option(help_text: str) -> Any:
    """--users FILE, the users file sign-in reads, saying what this command does with it."""
    return click.option(
        "--users",
        "users_file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help=f"{help_text} [env ASKBRIEF_USERS].",
    )


def build_options(fn: Any) -> Any:
    """--max-tokens, --overlap and --workers: how a build cuts and embeds."""
    fn = click.option(
        "--workers",
        type=bounded("workers"),
        default=None,
        help="Processes that embed in parallel, each with its own model [env ASKBRIEF_WORKERS; "
        "default: 1].",
    )(fn)
    fn = click.option(
        "--overlap",
        "overlap_sentences",
        type=bounded("overlap_sentences"),
        default=None,
        help="Sentences repeated between passages [default: 1].",
    )(fn)
    return click.option(
        "--max-tokens",
        type=bounded("max_tokens"),
        default=None,
        help="Passage size in tiktoken tokens [default: 160].",
    )(fn)


quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")

as_of_option = click.option(
    "--as-of",
    metavar="DATE",
    default=None,
    help='The date (YYYY-MM-DD) that "this week", "yesterday" or "latest" in a question count '
    "from [env ASKBRIEF_AS_OF; default: the newest article's date].",
)

# How the commands' options are named in errors about their values (Settings.load).
OPTION_NAMES = {
    "store": "--store",
    "index_dir": "--index",
    "articles_dir": "--articles",
    "overlap_sentences": "--overlap",
    "read_only": "--read-only",
}


def bounded(field: str) -> click.IntRange:
    """A whole-number option's range: the one Settings checks (config.BOUNDS)."""
    low, high = BOUNDS[field]
    return click.IntRange(int(low), int(high))


def build_line(report: BuildReport, where: str | None = None) -> str:
    """'added 1, ...; 4 passages embedded (1 article, 4 passages in index/, 5.2s)'."""
    inside = f" in {where}" if where else ""
    return (
        f"{report.summary()} ({counted(report.articles, 'article')}, "
        f"{counted(report.passages, 'passage')}{inside}, {report.seconds:.1f}s)"
    )


def echo_warnings(report: BuildReport) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)


def settings_from(
    store: str | None = None, index_dir: Path | None = None, **overrides: Any
) -> Settings:
    """Settings from the environment and the options given, checked: a bad value (a flag's
    or an ASKBRIEF_* variable's) is a one-line error naming it, before anything loads."""
    if store is not None and index_dir is not None:
        raise click.UsageError("give --store or --index, not both")
    names = {
        k: OPTION_NAMES.get(k, "--" + k.replace("_", "-"))
        for k in (*overrides, "store", "index_dir")
    }
    return run(lambda: Settings.load(names=names, store=store, index_dir=index_dir, **overrides))


def run(fn: Any) -> Any:
    """Library errors become one-line CLI errors, never tracebacks."""
    try:
        return fn()
    except AskbriefError as err:
        raise click.ClickException(one_line(str(err))) from None
    except OSError as err:  # the disk, not askbrief: a full disk, a read-only folder
        where = f"{err.filename}: " if err.filename else ""
        raise click.ClickException(f"{where}{err.strerror or err}") from None
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


def one_line(message: str) -> str:
    """Errors print as one line even if a library's message had several."""
    return " ".join(message.splitlines())
