"""`askbrief show`'s versions: an article's list of versions, an old version's text, the
difference between two versions by sentence, and a quote's permalink checked against the
current text. The library does the work (ask/citation.py, the store); this only prints."""

from __future__ import annotations

import sys

import click

from askbrief.ask.citation import check, parse_permalink, sentence_diff
from askbrief.errors import AskbriefError
from askbrief.records import Article, ArticleVersion
from askbrief.store.base import ReadStore

CURRENT = "current"


def versions_of(store: ReadStore, article_id: str) -> list[ArticleVersion]:
    found = store.versions(article_id)
    if not found:
        raise AskbriefError(
            f"no article {article_id!r} in the index; `askbrief articles` lists them"
        )
    return found


def print_versions(store: ReadStore, article_id: str) -> None:
    """One line a version, oldest first: its id, when it was first indexed, its size and how
    it differs in size from the one before; the one questions are answered from is marked."""
    found = versions_of(store, article_id)
    current = store.article(article_id)
    now = current is not None and found[-1]
    previous = None
    for v in found:
        change = "" if previous is None else f" ({v.chars - previous.chars:+,} characters)"
        mark = "  current" if v is now else ""
        click.echo(f"{v.version}  {v.saved_at}  {v.chars:,} characters{change}{mark}")
        previous = v
    if current is None:
        click.echo(
            "not in the index any more; its versions are kept until `askbrief index --prune`",
            err=True,
        )


def version_text(store: ReadStore, article_id: str, version: str) -> Article:
    """The article as it was at `version` ("current": as it is)."""
    found = versions_of(store, article_id)
    if version == CURRENT:
        version = found[-1].version
    article = store.article_version(article_id, version)
    if article is None:
        raise AskbriefError(
            f"article {article_id!r} has no version {version!r}; "
            f"`askbrief show {article_id} --versions` lists them"
        )
    return article


def print_diff(store: ReadStore, article_id: str, old: str, new: str) -> None:
    """A unified diff, one sentence a line; nothing when the two are the same text."""
    before = version_text(store, article_id, old)
    after = version_text(store, article_id, new)
    for line in sentence_diff(before.text, after.text, old, new):
        click.echo(line)


def print_quote(store: ReadStore, link: str) -> None:
    """Exactly the quoted words on stdout; on stderr whether they still stand, once the
    article has been updated (nothing for a quote of the current version)."""
    standing = check(store, parse_permalink(link))
    said = standing.message()
    if said and standing.status == "changed" and standing.now is not None:
        said += f"; now: {' '.join(standing.now.split())}"
    if said:
        click.echo(said, err=True)
    click.echo(standing.quote, nl=sys.stdout.isatty() and not standing.quote.endswith("\n"))
