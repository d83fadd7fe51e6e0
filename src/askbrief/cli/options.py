"""What every askbrief command shares: the store and articles options, settings from
flags, one-line errors instead of tracebacks, and the line a finished build prints."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from askbrief.config import Settings
from askbrief.errors import AskbriefError
from askbrief.records import BuildReport
from askbrief.text import counted


def store_options(fn: Any) -> Any:
    """--store URI, and --index DIR, its older name for a FAISS folder."""
    fn = click.option(
        "--index",
        "index_dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Index folder; same as --store DIR [env ASKBRIEF_INDEX_DIR; default: index].",
    )(fn)
    return click.option(
        "--store",
        metavar="URI",
        default=None,
        help="Where the index lives: a folder (FAISS), a path ending in .db (Milvus Lite) "
        "or http://host:19530[/prefix] (Milvus server) [env ASKBRIEF_STORE; default: index].",
    )(fn)


def articles_option(help_text: str) -> Any:
    """--articles DIR, saying what this command does with the folder."""
    return click.option(
        "--articles",
        "articles_dir",
        type=click.Path(path_type=Path),
        default=None,
        help=f"{help_text} [env ASKBRIEF_ARTICLES_DIR; default: seeds].",
    )


def build_options(fn: Any) -> Any:
    """--max-tokens, --overlap and --workers: how a build cuts and embeds."""
    fn = click.option(
        "--workers",
        type=click.IntRange(1, 256),
        default=None,
        help="Processes that embed in parallel, each with its own model [env ASKBRIEF_WORKERS; "
        "default: 1].",
    )(fn)
    fn = click.option(
        "--overlap",
        "overlap_sentences",
        type=click.IntRange(0, 5),
        default=None,
        help="Sentences repeated between passages [default: 1].",
    )(fn)
    return click.option(
        "--max-tokens",
        type=click.IntRange(16, 256),
        default=None,
        help="Passage size in tiktoken tokens [default: 160].",
    )(fn)


quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")


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
    if store is not None and index_dir is not None:
        raise click.UsageError("give --store or --index, not both")
    return run(lambda: Settings.load(store=store, index_dir=index_dir, **overrides))


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
