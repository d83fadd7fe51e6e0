"""`askbrief index|query|show|articles|stats|eval` (and feeds|fetch|watch, news.py; users,
users.py; ui, ui.py): parse, call the library, print.

Nothing else lives here: the library reports progress through callbacks, drawn by
`console.ProgressBars`, and raises one-line errors, printed by `options.run`; every option
a command shares with another is declared once, in options.py.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from askbrief.ask.timeframe import window_sentence
from askbrief.cli.news import feeds, fetch, watch
from askbrief.cli.options import (
    articles_option,
    as_of_option,
    bounded,
    build_line,
    build_options,
    echo_warnings,
    quiet_option,
    run,
    settings_from,
    store_options,
)
from askbrief.cli.ui import ui
from askbrief.cli.users import users
from askbrief.console import ProgressBars
from askbrief.errors import AskbriefError
from askbrief.records import Answer
from askbrief.text import counted


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="askbrief")
def cli() -> None:
    """Ask questions of a folder of news articles; answers are verbatim, cited quotes."""


@cli.command()
@articles_option("Folder of articles, read recursively")
@store_options
@click.option("--full", is_flag=True, help="Rebuild from scratch instead of updating.")
@click.option(
    "--prune",
    is_flag=True,
    help="Delete the earlier versions kept of articles that are no longer in the folder, "
    "and nothing else. Without it they stay, so citations of them still open.",
)
@build_options
@click.option(
    "--ray",
    is_flag=True,
    help="Run the --workers processes on the Ray cluster RAY_ADDRESS names (Ray must be "
    "installed here and on its nodes).",
)
@quiet_option
def index(
    articles_dir: Path | None,
    store: str | None,
    index_dir: Path | None,
    full: bool,
    prune: bool,
    max_tokens: int | None,
    overlap_sentences: int | None,
    workers: int | None,
    ray: bool,
    quiet: bool,
) -> None:
    """Index the articles; only new or changed articles are embedded. The text a changed or
    removed article had is kept as an earlier version."""
    settings = settings_from(
        store,
        index_dir,
        articles_dir=articles_dir,
        max_tokens=max_tokens,
        overlap_sentences=overlap_sentences,
        workers=workers,
    )
    from askbrief.store.build import build_index

    with ProgressBars(enabled=not quiet) as bars:
        report = run(
            lambda: build_index(
                settings,
                full=full,
                prune=prune,
                progress=bars,
                on_wait=lambda msg: click.echo(msg, err=True),
                ray=ray,
            )
        )
    echo_warnings(report)
    click.echo(build_line(report, settings.location.shown))


@cli.command()
@click.argument("question", required=False)
@store_options
@click.option(
    "--top-k",
    type=bounded("top_k"),
    default=None,
    help="Passages retrieved before choosing quotes [default: 20].",
)
@click.option(
    "--max-quotes",
    type=bounded("max_quotes"),
    default=None,
    help="Most quotes in an answer [default: 5].",
)
@click.option(
    "--answer-chars",
    type=bounded("answer_chars"),
    default=None,
    help="Quotes carry on into their next sentence while the answer stays within this "
    "many characters; 0 keeps single sentences [default: 850].",
)
@click.option(
    "--since",
    metavar="DATE",
    default=None,
    help="Only articles dated on or after DATE (YYYY-MM-DD); undated ones stay in.",
)
@click.option(
    "--until",
    metavar="DATE",
    default=None,
    help="Only articles dated on or before DATE (YYYY-MM-DD); undated ones stay in.",
)
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option(
    "--batch",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help='JSONL file of {"id", "question"} lines; one JSON answer per line out.',
)
def query(
    question: str | None,
    store: str | None,
    index_dir: Path | None,
    top_k: int | None,
    max_quotes: int | None,
    answer_chars: int | None,
    since: str | None,
    until: str | None,
    as_of: str | None,
    as_json: bool,
    batch: Any,
) -> None:
    """Answer QUESTION with quotes from the articles."""
    if (question is None) == (batch is None):
        raise click.UsageError("give either a QUESTION or --batch FILE")
    settings = settings_from(
        store,
        index_dir,
        top_k=top_k,
        max_quotes=max_quotes,
        answer_chars=answer_chars,
        as_of=as_of,
    )
    from askbrief.ask.index import Index, clean_question

    days = run(lambda: _days(since=since, until=until))
    if settings.as_of is not None:
        days["as_of"] = settings.as_of
    # Bad input fails before the index opens and the model starts loading: fast, and no
    # error path races the model load at exit.
    if question is not None:
        run(lambda: clean_question(question))
    idx = run(lambda: Index(settings))
    try:
        if batch is not None:
            _batch(idx, batch, days)
            return
        answer = run(lambda: idx.ask(question or "", **days))
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else render(answer))
    finally:
        idx.store.close()


def _days(**given: str | None) -> dict[str, date]:
    """The date options given, each strictly YYYY-MM-DD; errors name the flag and the value,
    and a backwards range says which flags to swap."""
    from askbrief.ask.timeframe import check_order, parse_day

    days = {
        name: parse_day(value, f"--{name.replace('_', '-')}")
        for name, value in given.items()
        if value is not None
    }
    check_order(days.get("since"), days.get("until"), "--since", "--until")
    return days


def _batch(idx: Any, lines: Any, days: dict[str, Any]) -> None:
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise ValueError("expected an object with a 'question' string")
        except ValueError as err:
            click.echo(f"warning: {lines.name}:{lineno}: {err}; line skipped", err=True)
            continue
        try:
            out = idx.ask(item["question"], **days).to_dict()
        except AskbriefError as err:
            out = {
                "question": item["question"],
                "answered": False,
                "error": str(err),
                "quotes": [],
                "sources": [],
            }
        click.echo(json.dumps({"id": item.get("id"), **out}, ensure_ascii=False))


@cli.command()
@click.argument("article")
@store_options
@click.option(
    "--articles",
    "articles_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="The articles folder, to read a file path as an id [env ASKBRIEF_ARTICLES_DIR; "
    "default: seeds].",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the article (text and metadata) as JSON."
)
@click.option("--versions", "list_versions", is_flag=True, help="List the article's versions.")
@click.option(
    "--version",
    "version",
    default=None,
    metavar="V",
    help="Print version V of the article (an id from --versions) instead of the current one.",
)
@click.option(
    "--diff",
    nargs=2,
    default=None,
    metavar="OLD NEW",
    help="Print how version NEW differs from OLD, one sentence a line ('current': the one "
    "answered from).",
)
def show(
    article: str,
    store: str | None,
    index_dir: Path | None,
    articles_dir: Path | None,
    as_json: bool,
    list_versions: bool,
    version: str | None,
    diff: tuple[str, str] | None,
) -> None:
    """Print an article's text exactly as quote offsets index it. ARTICLE is its id or the
    path an answer's sources line prints; or a quote's permalink, to print exactly the quoted
    words, with a line on stderr if the article has been updated since (quote unchanged,
    changed or removed). Who uploaded it through the web UI, and when, goes to stderr, so
    stdout stays the exact text."""
    from dataclasses import asdict

    from askbrief.ask.citation import is_permalink
    from askbrief.cli import versions as shown
    from askbrief.dates import article_date
    from askbrief.ingest.provenance import describe
    from askbrief.store.base import open_store
    from askbrief.store.catalog import find_article

    settings = settings_from(store, index_dir, articles_dir=articles_dir)
    opened = run(lambda: open_store(settings))
    try:
        if is_permalink(article):
            return run(lambda: shown.print_quote(opened, article))
        if list_versions or diff or version:
            key = run(lambda: _article_id(opened, article, settings.articles_dir))
            if list_versions:
                return run(lambda: shown.print_versions(opened, key))
            if diff:
                return run(lambda: shown.print_diff(opened, key, *diff))
            assert version is not None
            found = run(lambda: shown.version_text(opened, key, version))
        else:
            found = run(lambda: find_article(opened, article, settings.articles_dir))
    finally:
        opened.close()
    if as_json:
        day = article_date(found)
        fields = asdict(found) | {"date": day.isoformat() if day else None}
        click.echo(json.dumps(fields, ensure_ascii=False))
        return
    added = describe(found.added_by, found.added_at)
    if added:
        click.echo(added, err=True)
    # Exact bytes when piped (offsets can be checked against them); a final newline only for
    # a terminal, so the prompt does not stick to the last line.
    click.echo(found.text, nl=sys.stdout.isatty() and not found.text.endswith("\n"))


def _article_id(store: Any, key: str, articles_dir: Path) -> str:
    """The id `key` names; an article no longer indexed is named by its id (its versions are
    kept until `askbrief index --prune`)."""
    from askbrief.store.catalog import find_article

    if store.versions(key) and store.article(key) is None:
        return key
    return find_article(store, key, articles_dir).id


@cli.command()
@click.argument("match", required=False, default="")
@store_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article.")
def articles(match: str, store: str | None, index_dir: Path | None, as_json: bool) -> None:
    """List the indexed articles (id, date, passages, title); MATCH keeps those whose id,
    title or path holds it, ignoring case."""
    from dataclasses import asdict

    from askbrief.dates import article_date
    from askbrief.store.base import open_store
    from askbrief.store.catalog import list_articles

    opened = run(lambda: open_store(settings_from(store, index_dir)))
    try:
        entries = run(lambda: list_articles(opened, match))
    finally:
        opened.close()
    for e in entries:
        day = article_date(e)
        if as_json:
            line = asdict(e) | {"date": day.isoformat() if day else None}
            click.echo(json.dumps(line, ensure_ascii=False))
        else:
            when = day.isoformat() if day else "undated"
            click.echo(f"{e.id}\t{when}\t{counted(e.passages, 'passage')}\t{e.title}")
    if not as_json:
        what = f" matching {match!r}" if match else ""
        click.echo(f"{counted(len(entries), 'article')}{what}", err=True)


@cli.command()
@store_options
def stats(store: str | None, index_dir: Path | None) -> None:
    """Counts and settings of the index."""
    from askbrief.store.base import open_store

    settings = settings_from(store, index_dir)
    opened = run(lambda: open_store(settings))
    m = opened.manifest
    opened.close()
    click.echo(f"index:     {settings.location.shown}")
    click.echo(f"articles:  {m.get('articles')}")
    click.echo(f"passages:  {m.get('passages')}")
    click.echo(f"sentences: {m.get('sentences')}")
    click.echo(f"model:     {m.get('model')} ({m.get('dim')} dims)")
    click.echo(
        f"passages of at most {m.get('max_tokens')} tokens, {m.get('overlap_sentences')} "
        "sentence(s) overlap"
    )
    click.echo(f"built:     {m.get('built_at')}")
    newest = m.get("newest_article")
    click.echo(f"newest:    {newest or 'no dated articles (recency not used)'}")


@cli.command("eval")
@click.argument("dataset_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@store_options(default=".cache/eval/<dataset>/index", env=False)
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option(
    "--dump",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write one JSON line per question (confidence, hits, quote scores) to this file.",
)
@click.option("--limit", type=click.IntRange(1), default=None, help="Ask only the first N.")
def eval_(
    dataset_dir: Path,
    store: str | None,
    index_dir: Path | None,
    as_of: str | None,
    as_json: bool,
    dump: Path | None,
    limit: int | None,
) -> None:
    """Score answers on DATASET_DIR (articles.jsonl + questions.jsonl), every question asked
    as of --as-of if given; progress on stderr. The dataset has an index of its own: --store
    and --index choose where, never ASKBRIEF_STORE (the index the other commands share)."""
    given = settings_from(store, index_dir, as_of=as_of)  # checked before anything loads
    from askbrief.eval.evaluate import evaluate, write_dump

    target = given.location if store is not None or index_dir is not None else None
    with ProgressBars() as bars:
        report = run(
            lambda: evaluate(dataset_dir, target, limit=limit, progress=bars, as_of=given.as_of)
        )
    if dump is not None:
        write_dump(report, dump)
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.render())


def render(answer: Answer) -> str:
    window = window_sentence(answer.window)
    if not answer.answered:
        # The message and why, on one line; the closest sentence is not an answer, so it is
        # left to --json.
        return " ".join(x for x in (answer.message, answer.why, window) if x)
    lines = [window, ""] if window else []
    for q in answer.quotes:
        # A quote that runs over a line break (a window into the next paragraph) keeps its
        # lines under the first; --json gives the text exactly. Quote [1]'s answer words
        # are bold (on a terminal; click drops the styling elsewhere).
        text = q.text
        if q.n == 1 and answer.answer_span is not None:
            a, b = (x - q.start for x in answer.answer_span)
            text = text[:a] + click.style(text[a:b], bold=True) + text[b:]
        text = "\n    ".join(line for line in text.splitlines() if line.strip()) or text
        lines.append(f"[{q.n}] \u201c{text}\u201d")
        day = f", {q.date}" if q.date else ""
        lines.append(f"    \u2014 {q.title} ({q.article_id} [{q.start}, {q.end}){day})")
        lines.append("")
    if answer.differ:
        # articles answer with different values: each beside its source, newest first
        lines.append("Sources differ:")
        for c in answer.differ:
            lines.append(f"  {c.value} \u2014 {c.title}, {c.date or 'undated'} [{c.quote}]")
        lines.append("")
    lines.append("Sources:")
    for s in answer.sources:
        where = ", ".join(x for x in (s.source, s.date, s.url) if x)
        refs = " ".join(f"[{n}]" for n in s.quotes)
        lines.append(f"{refs} {s.title} \u2014 {s.source_path}" + (f" ({where})" if where else ""))
    return "\n".join(lines)


for command in (feeds, fetch, watch, users, ui):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="askbrief")
