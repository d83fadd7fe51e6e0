"""`askbrief index|query|show|articles|stats|eval|ui`: parse, call the library, print.

Nothing else lives here: the library reports progress through callbacks, drawn by
`console.ProgressBars`, and raises one-line errors, printed by `_run`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .config import Settings
from .console import ProgressBars
from .errors import AskbriefError
from .records import REASONS, Answer
from .text import counted


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="askbrief")
def cli() -> None:
    """Ask questions of a folder of news articles; answers are verbatim, cited quotes."""


@cli.command()
@click.option(
    "--articles",
    "articles_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of articles, read recursively [env ASKBRIEF_ARTICLES_DIR; default: seeds].",
)
@store_options
@click.option("--full", is_flag=True, help="Rebuild from scratch instead of updating.")
@click.option(
    "--max-tokens",
    type=click.IntRange(16, 256),
    default=None,
    help="Passage size in tiktoken tokens [default: 160].",
)
@click.option(
    "--overlap",
    "overlap_sentences",
    type=click.IntRange(0, 5),
    default=None,
    help="Sentences repeated between passages [default: 1].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Processes that embed in parallel, each with its own model [env ASKBRIEF_WORKERS; "
    "default: 1].",
)
@click.option(
    "--ray",
    is_flag=True,
    help="Run the --workers processes on the Ray cluster RAY_ADDRESS names (Ray must be "
    "installed here and on its nodes).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def index(
    articles_dir: Path | None,
    store: str | None,
    index_dir: Path | None,
    full: bool,
    max_tokens: int | None,
    overlap_sentences: int | None,
    workers: int | None,
    ray: bool,
    quiet: bool,
) -> None:
    """Index the articles; only new or changed articles are embedded."""
    from .build import build_index

    settings = _settings(
        store,
        index_dir,
        articles_dir=articles_dir,
        max_tokens=max_tokens,
        overlap_sentences=overlap_sentences,
        workers=workers,
    )
    with ProgressBars(enabled=not quiet) as bars:
        report = _run(
            lambda: build_index(
                settings,
                full=full,
                progress=bars,
                on_wait=lambda msg: click.echo(msg, err=True),
                ray=ray,
            )
        )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{report.summary()} ({counted(report.articles, 'article')}, "
        f"{counted(report.passages, 'passage')} in {settings.location.shown}, {report.seconds:.1f}s)"
    )


@cli.command()
@click.argument("question", required=False)
@store_options
@click.option(
    "--top-k",
    type=click.IntRange(1, 1000),
    default=None,
    help="Passages retrieved before choosing quotes [default: 20].",
)
@click.option(
    "--max-quotes",
    type=click.IntRange(1, 50),
    default=None,
    help="Most quotes in an answer [default: 5].",
)
@click.option(
    "--answer-chars",
    type=click.IntRange(0, 100_000),
    default=None,
    help="Quotes carry on into their next sentence while the answer stays within this "
    "many characters; 0 keeps single sentences [default: 850].",
)
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
    as_json: bool,
    batch: Any,
) -> None:
    """Answer QUESTION with quotes from the articles."""
    from .index import Index

    if (question is None) == (batch is None):
        raise click.UsageError("give either a QUESTION or --batch FILE")
    settings = _settings(
        store, index_dir, top_k=top_k, max_quotes=max_quotes, answer_chars=answer_chars
    )
    idx = _run(lambda: Index(settings))
    try:
        if batch is not None:
            _batch(idx, batch)
            return
        answer = _run(lambda: idx.ask(question or ""))
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else render(answer))
    finally:
        idx.store.close()


def _batch(idx: Any, lines: Any) -> None:
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
            out = idx.ask(item["question"]).to_dict()
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
def show(
    article: str, store: str | None, index_dir: Path | None, articles_dir: Path | None
) -> None:
    """Print an article's text exactly as quote offsets index it. ARTICLE is its id or the
    path an answer's sources line prints."""
    from .catalog import find_article
    from .stores import open_store

    settings = _settings(store, index_dir, articles_dir=articles_dir)
    opened = _run(lambda: open_store(settings))
    try:
        found = _run(lambda: find_article(opened, article, settings.articles_dir))
    finally:
        opened.close()
    # Exact bytes when piped (offsets can be checked against them); a final newline only for
    # a terminal, so the prompt does not stick to the last line.
    click.echo(found.text, nl=sys.stdout.isatty() and not found.text.endswith("\n"))


@cli.command()
@click.argument("match", required=False, default="")
@store_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article.")
def articles(match: str, store: str | None, index_dir: Path | None, as_json: bool) -> None:
    """List the indexed articles (id, date, passages, title); MATCH keeps those whose id,
    title or path holds it, ignoring case."""
    from dataclasses import asdict

    from .catalog import list_articles
    from .dates import article_date
    from .stores import open_store

    opened = _run(lambda: open_store(_settings(store, index_dir)))
    try:
        entries = _run(lambda: list_articles(opened, match))
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
    from .stores import open_store

    settings = _settings(store, index_dir)
    opened = _run(lambda: open_store(settings))
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
@click.option(
    "--store",
    metavar="URI",
    default=None,
    help="Store for the dataset's articles: a folder, a .db path or http://host:19530 "
    "[default: .cache/eval/<dataset>/index].",
)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Index folder for the dataset's articles; same as --store DIR.",
)
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
    as_json: bool,
    dump: Path | None,
    limit: int | None,
) -> None:
    """Score answers on DATASET_DIR (articles.jsonl + questions.jsonl); progress on stderr."""
    from .evaluate import evaluate, write_dump

    if store is not None and index_dir is not None:
        raise click.UsageError("give --store or --index, not both")
    target = store if store is not None else index_dir
    with ProgressBars() as bars:
        report = _run(lambda: evaluate(dataset_dir, target, limit=limit, progress=bars))
    if dump is not None:
        write_dump(report, dump)
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.render())


@cli.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.pass_context
def ui(ctx: click.Context) -> None:
    """Serve the web UI (the same as `python app.py`; `askbrief ui --help` for options)."""
    from .ui import main as serve

    serve(ctx.args, prog="askbrief ui")


def render(answer: Answer) -> str:
    if not answer.answered:
        # The message and why, on one line; the closest sentence is not an answer, so it is
        # left to --json.
        why = REASONS.get(answer.reason, "")
        return f"{answer.message} {why}" if why else answer.message
    lines = []
    for q in answer.quotes:
        # A quote that runs over a line break (a window into the next paragraph) keeps its
        # lines under the first; --json gives the text exactly.
        text = "\n    ".join(line for line in q.text.splitlines() if line.strip()) or q.text
        lines.append(f"[{q.n}] \u201c{text}\u201d")
        lines.append(f"    \u2014 {q.title} ({q.article_id} [{q.start}, {q.end}))")
        lines.append("")
    lines.append("Sources:")
    for s in answer.sources:
        where = ", ".join(x for x in (s.source, s.date, s.url) if x)
        refs = " ".join(f"[{n}]" for n in s.quotes)
        lines.append(f"{refs} {s.title} \u2014 {s.source_path}" + (f" ({where})" if where else ""))
    return "\n".join(lines)


def _settings(
    store: str | None = None, index_dir: Path | None = None, **overrides: Any
) -> Settings:
    if store is not None and index_dir is not None:
        raise click.UsageError("give --store or --index, not both")
    return _run(lambda: Settings.load(store=store, index_dir=index_dir, **overrides))


def _run(fn: Any) -> Any:
    """Library errors become one-line CLI errors, never tracebacks."""
    try:
        return fn()
    except AskbriefError as err:
        raise click.ClickException(_one_line(str(err))) from None
    except OSError as err:  # the disk, not askbrief: a full disk, a read-only folder
        where = f"{err.filename}: " if err.filename else ""
        raise click.ClickException(f"{where}{err.strerror or err}") from None
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


def _one_line(message: str) -> str:
    """Errors print as one line even if a library's message had several."""
    return " ".join(message.splitlines())


def main() -> None:
    cli(prog_name="askbrief")
