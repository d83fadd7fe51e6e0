"""Finding articles in an index: the list `askbrief articles` prints, and the article
`askbrief show` is given, by id or by the path the CLI printed in an answer's sources."""

from __future__ import annotations

import os
from pathlib import Path

from askbrief.errors import AskbriefError
from askbrief.records import Article, ArticleEntry
from askbrief.store.base import ReadStore

LIST_HINT = "`askbrief articles` lists them"


def list_articles(store: ReadStore, match: str = "") -> list[ArticleEntry]:
    """Every article, by id; with `match`, those whose id, title or path holds it
    (ignoring case)."""
    entries = store.catalog()
    needle = match.casefold().strip()
    if not needle:
        return entries
    return [
        e
        for e in entries
        if any(needle in field.casefold() for field in (e.id, e.title, e.source_path))
    ]


def find_article(store: ReadStore, key: str, articles_dir: Path) -> Article:
    """The article `key` names: its id; or a file's path, as the sources line prints it
    (articles-folder/id) or as it lies on disk. A file that holds several articles (.jsonl)
    names none of them: the error says how to pick one."""
    found = store.article(key)
    if found is not None:
        return found
    for candidate in _ids_from_path(key, articles_dir):
        found = store.article(candidate)
        if found is not None:
            return found
    same = [e for e in store.catalog() if _same_file(e.source_path, key)]
    if len(same) == 1:
        article = store.article(same[0].id)
        if article is not None:
            return article
    if len(same) > 1:
        raise AskbriefError(
            f"{key} holds {len(same)} articles; give one of their ids "
            f"(`askbrief articles {Path(key).name}` lists them)"
        )
    raise AskbriefError(f"no article {key!r} in the index; {LIST_HINT}")


def _ids_from_path(key: str, articles_dir: Path) -> list[str]:
    """The id a path would have: relative to the articles folder, as build_index names it."""
    path = Path(key)
    out = []
    for given, base in ((path, articles_dir), (path.resolve(), articles_dir.resolve())):
        if given.is_relative_to(base):
            out.append(given.relative_to(base).as_posix())
    return list(dict.fromkeys(out))


def _same_file(source_path: str, key: str) -> bool:
    if source_path == key:
        return True
    try:
        return os.path.samefile(source_path, key)
    except OSError:
        return Path(source_path).resolve() == Path(key).resolve()
