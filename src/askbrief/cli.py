"""`askbrief index|query|show|stats`: parse, call the library, print. Nothing else lives here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .config import Settings
from .errors import AskbriefError
from .records import Answer

INDEX_OPT = click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Index folder [env ASKBRIEF_INDEX_DIR; default: index].",
)


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
@INDEX_OPT
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
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def index(
    articles_dir: Path | None,
    index_dir: Path | None,
    full: bool,
    max_tokens: int | None,
    overlap_sentences: int | None,
    quiet: bool,
) -> None:
    """Index the articles; only new or changed articles are embedded."""
    from .indexing import build_index

    settings = _settings(
        articles_dir=articles_dir,
        index_dir=index_dir,
        max_tokens=max_tokens,
        overlap_sentences=overlap_sentences,
    )
    report = _run(
        lambda: build_index(
            settings,
            full=full,
            show_progress=not quiet,
            on_wait=lambda msg: click.echo(msg, err=True),
        )
    )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{report.summary()} ({report.articles} articles, {report.passages} passages "
        f"in {settings.index_dir}/, {report.seconds:.1f}s)"
    )


@cli.command()
@click.argument("question", required=False)
@INDEX_OPT
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
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option(
    "--batch",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help='JSONL file of {"id", "question"} lines; one JSON answer per line out.',
)
def query(
    question: str | None,
    index_dir: Path | None,
    top_k: int | None,
    max_quotes: int | None,
    as_json: bool,
    batch: Any,
) -> None:
    """Answer QUESTION with quotes from the articles."""
    from .index import Index

    if (question is None) == (batch is None):
        raise click.UsageError("give either a QUESTION or --batch FILE")
    settings = _settings(index_dir=index_dir, top_k=top_k, max_quotes=max_quotes)
    idx = _run(lambda: Index(settings))
    if batch is not None:
        _batch(idx, batch)
        return
    answer = _run(lambda: idx.ask(question or ""))
    click.echo(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else render(answer))


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
@click.argument("article_id")
@INDEX_OPT
def show(article_id: str, index_dir: Path | None) -> None:
    """Print an article's text exactly as quote offsets index it."""
    from .store import Store

    store = _run(lambda: Store(_settings(index_dir=index_dir).index_dir))
    article = _run(lambda: store.article(article_id))
    if article is None:
        raise click.ClickException(f"no article {article_id!r} in the index; see `askbrief stats`")
    # Exact bytes when piped (offsets can be checked against them); a final newline only for
    # a terminal, so the prompt does not stick to the last line.
    click.echo(article.text, nl=sys.stdout.isatty() and not article.text.endswith("\n"))


@cli.command()
@INDEX_OPT
def stats(index_dir: Path | None) -> None:
    """Counts and settings of the index."""
    from .store import Store

    settings = _settings(index_dir=index_dir)
    m = _run(lambda: Store(settings.index_dir)).manifest
    click.echo(f"index:     {settings.index_dir}/")
    click.echo(f"articles:  {m.get('articles')}")
    click.echo(f"passages:  {m.get('passages')}")
    click.echo(f"sentences: {m.get('sentences')}")
    click.echo(f"model:     {m.get('model')} ({m.get('dim')} dims)")
    click.echo(
        f"passages of at most {m.get('max_tokens')} tokens, {m.get('overlap_sentences')} "
        "sentence(s) overlap"
    )
    click.echo(f"built:     {m.get('built_at')}")


@cli.command("eval")
@click.argument("dataset_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Index folder for the dataset's articles [default: .cache/eval/<dataset>/index].",
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
    dataset_dir: Path, index_dir: Path | None, as_json: bool, dump: Path | None, limit: int | None
) -> None:
    """Score answers on DATASET_DIR (articles.jsonl + questions.jsonl); progress on stderr."""
    from .evaluate import evaluate, write_dump

    report = _run(lambda: evaluate(dataset_dir, index_dir, limit=limit, show_progress=True))
    if dump is not None:
        write_dump(report, dump)
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.render())


def render(answer: Answer) -> str:
    if not answer.answered:
        return answer.message
    lines = []
    for q in answer.quotes:
        lines.append(f"[{q.n}] \u201c{q.text}\u201d")
        lines.append(f"    \u2014 {q.title} ({q.article_id} [{q.start}, {q.end}))")
        lines.append("")
    lines.append("Sources:")
    for s in answer.sources:
        where = ", ".join(x for x in (s.source, s.published, s.url) if x)
        refs = " ".join(f"[{n}]" for n in s.quotes)
        lines.append(f"{refs} {s.title} \u2014 {s.source_path}" + (f" ({where})" if where else ""))
    return "\n".join(lines)


def _settings(**overrides: Any) -> Settings:
    return _run(lambda: Settings.load(**overrides))


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
