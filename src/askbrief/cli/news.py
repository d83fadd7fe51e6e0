"""`askbrief feeds|fetch|watch`: news that keeps arriving. Feeds are saved into the
articles folder as files (news/feeds.py); a watch re-indexes the folder when it changes
(news/watch.py). Parse, call the library, print, as in main.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from askbrief.cli.options import (
    articles_option,
    build_line,
    build_options,
    echo_warnings,
    quiet_option,
    run,
    settings_from,
    store_options,
)
from askbrief.console import ProgressBars
from askbrief.text import counted

_feeds_articles_option = articles_option("Articles folder, which holds feeds.txt")


@click.group()
def feeds() -> None:
    """The RSS and Atom feeds `askbrief fetch` reads: feeds.txt in the articles folder."""


@feeds.command("add")
@click.argument("url")
@_feeds_articles_option
def feeds_add(url: str, articles_dir: Path | None) -> None:
    """Add the feed at URL (http or https) to feeds.txt."""
    from askbrief.news.feeds import FEEDS_FILE, add_feed, read_feeds

    folder = settings_from(articles_dir=articles_dir).articles_dir
    run(lambda: add_feed(folder, url))
    listed = run(lambda: read_feeds(folder))
    click.echo(f"added {url.strip()} to {folder / FEEDS_FILE} ({counted(len(listed), 'feed')})")


@feeds.command("list")
@_feeds_articles_option
def feeds_list(articles_dir: Path | None) -> None:
    """Print the feeds in feeds.txt, one a line."""
    from askbrief.news.feeds import FEEDS_FILE, read_feeds

    folder = settings_from(articles_dir=articles_dir).articles_dir
    listed = run(lambda: read_feeds(folder))
    for url in listed:
        click.echo(url)
    hint = "" if listed else "; add one with `askbrief feeds add URL`"
    click.echo(f"{counted(len(listed), 'feed')} in {folder / FEEDS_FILE}{hint}", err=True)


@click.command()
@_feeds_articles_option
@store_options
@click.option("--no-index", is_flag=True, help="Save the new articles without indexing them.")
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=10.0,
    show_default=True,
    help="Seconds a feed or page may take to answer and to download.",
)
@quiet_option
def fetch(
    articles_dir: Path | None,
    store: str | None,
    index_dir: Path | None,
    no_index: bool,
    timeout: float,
    quiet: bool,
) -> None:
    """Save new articles from the feeds in feeds.txt, then index them (incrementally)."""
    from askbrief.news.feeds import FEEDS_FILE, fetch_feeds
    from askbrief.store.build import build_index

    settings = settings_from(store, index_dir, articles_dir=articles_dir)
    folder = settings.articles_dir
    got = run(
        lambda: fetch_feeds(folder, timeout=timeout, on_event=lambda m: click.echo(m, err=True))
    )
    if got.all_failed:
        raise click.ClickException(
            f"every feed failed ({counted(got.feeds, 'feed')} in {folder / FEEDS_FILE}); "
            "nothing fetched: check the URLs and the network"
        )
    click.echo(got.summary())
    if no_index:
        return
    with ProgressBars(enabled=not quiet) as bars:
        report = run(
            lambda: build_index(
                settings, progress=bars, on_wait=lambda msg: click.echo(msg, err=True)
            )
        )
    echo_warnings(report)
    click.echo(build_line(report, settings.location.shown))


@click.command()
@articles_option("Folder of articles, watched recursively")
@store_options
@build_options
@click.option("--feeds", is_flag=True, help="Also fetch the feeds listed in <articles>/feeds.txt.")
@click.option(
    "--every",
    type=click.IntRange(1),
    default=None,
    metavar="SECONDS",
    help="With --feeds: seconds between fetches [default: 900].",
)
@quiet_option
def watch(
    articles_dir: Path | None,
    store: str | None,
    index_dir: Path | None,
    max_tokens: int | None,
    overlap_sentences: int | None,
    workers: int | None,
    feeds: bool,
    every: int | None,
    quiet: bool,
) -> None:
    """Index the articles, then again whenever they change, until Ctrl-C (one line per
    update). Stopping, by Ctrl-C or SIGTERM, exits 0."""
    import signal

    from askbrief.news.watch import FEEDS_EVERY, watch_folder

    if every is not None and not feeds:
        raise click.UsageError("--every needs --feeds")
    settings = settings_from(
        store,
        index_dir,
        articles_dir=articles_dir,
        max_tokens=max_tokens,
        overlap_sentences=overlap_sentences,
        workers=workers,
    )

    def built(report: Any) -> None:
        echo_warnings(report)
        click.echo(f"{_clock()} {build_line(report)}")

    def fetched(report: Any) -> None:
        click.echo(f"{_clock()} feeds: {report.summary()}")

    # SIGTERM (a service manager, `kill`) stops the watch as Ctrl-C does: cleanly, exit 0.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        click.echo(
            f"watching {settings.articles_dir}/ into {settings.location.shown}; Ctrl-C to stop",
            err=True,
        )
        with ProgressBars(enabled=not quiet) as bars:
            run(
                lambda: _until_stopped(
                    lambda: watch_folder(
                        settings,
                        on_build=built,
                        on_error=lambda msg: click.echo(f"{_clock()} error: {msg}", err=True),
                        on_wait=lambda msg: click.echo(f"{_clock()} {msg}", err=True),
                        feeds_every=(every or FEEDS_EVERY) if feeds else None,
                        on_feeds=fetched,
                        on_feed_event=lambda msg: click.echo(f"{_clock()} {msg}", err=True),
                        progress=bars,
                    )
                )
            )
    finally:
        signal.signal(signal.SIGTERM, previous)


def _until_stopped(fn: Any) -> None:
    """Run a watch until it is stopped: Ctrl-C or SIGTERM, as KeyboardInterrupt, is its
    normal end (a build it cut short leaves the previous index answering)."""
    try:
        fn()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def _clock() -> str:
    import time

    return time.strftime("%H:%M:%S")
