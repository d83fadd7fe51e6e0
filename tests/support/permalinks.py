"""The permalink page's tests in every tier: an article on the web with one quote worth
linking to, far enough down to need scrolling; the corrections made to it (elsewhere, in the
quoted sentence, the quoted sentence removed); the store in memory the unit tests read it
from; reading the page's <mark>, notice and one-line problem back out of its HTML; and, for
the tiers with a real index, the article as a .jsonl file, corrected and re-indexed."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from askbrief import Settings, build_index
from askbrief.records import Article, ArticleVersion, version_of

ARTICLE_ID = "pier"
TITLE = "Harbour council approves the pier"
URL = "https://news.example.org/2026/12/01/pier"
QUESTION = "How much will the pier cost?"  # quotes QUOTE (and the lede)
QUOTE = "Mayor Ines Calloway said the pier would cost 14 million euros."
CLUBS = ["chess club", "choir", "rowing club", "garden society", "film club", "book circle"]
DAYS = ["Monday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
THINGS = ["secretary", "logo", "venue", "timetable", "motto", "banner"]
# Lines about other things between the lede and the quote: a page of them, so that opening
# the quote's link must scroll to it.
FILLER = "\n".join(
    f"The {club} met on {day} evening and chose a new {thing} for the season."
    for club in CLUBS
    for day, thing in zip(DAYS, THINGS, strict=True)
)
TEXT = (
    "The Port Lenhart council approved a new ferry pier on Tuesday after a two-year debate.\n"
    f"{FILLER}\n"
    f"{QUOTE} Building work starts in March.\n"
    "The pier will serve the island routes to Brassey and Tolm.\n"
)
# Corrections, as (old words, new words) in the text: ELSEWHERE leaves the quote alone,
# CHANGED rewrites a word of it, REMOVED drops its sentence.
ELSEWHERE = ("on Tuesday after", "on Wednesday after")
CHANGED = ("14 million", "16 million")
REMOVED = (QUOTE + " ", "")


class MemoryStore:
    """The reads the permalink page makes of a store (versions, article_version, article),
    over one article whose versions are kept in memory, oldest first."""

    def __init__(
        self, article_id: str, text: str, url: str | None = None, title: str = TITLE
    ) -> None:
        self.current: Article | None = Article(
            article_id, title, text, f"{article_id}.jsonl", "jsonl", "Lenhart Post", url
        )
        self.kept: list[tuple[ArticleVersion, Article]] = []
        self._keep(self.current, "2026-12-01T08:00:00+00:00")

    def _keep(self, article: Article, saved_at: str) -> None:
        version = ArticleVersion(
            article.id, version_of(article.text), saved_at, len(article.text), article.title
        )
        self.kept.append((version, article))

    def correct(self, change: tuple[str, str], saved_at: str) -> None:
        assert self.current is not None and change[0] in self.current.text
        self.current = replace(self.current, text=self.current.text.replace(*change, 1))
        self._keep(self.current, saved_at)

    def versions(self, article_id: str) -> list[ArticleVersion]:
        return [v for v, _ in self.kept if v.article_id == article_id]

    def article_version(self, article_id: str, version: str) -> Article | None:
        found = [a for v, a in self.kept if (v.article_id, v.version) == (article_id, version)]
        return found[0] if found else None

    def article(self, article_id: str) -> Article | None:
        current = self.current
        return current if current is not None and current.id == article_id else None


def the_quote(quotes: list[dict[str, Any]]) -> dict[str, Any]:
    """Of an answer's quotes (as JSON), the one that holds QUOTE."""
    (found,) = [q for q in quotes if q["article_id"] == ARTICLE_ID and QUOTE in q["text"]]
    return found


# --------------------------------------------------------------------------- the page's HTML


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def marked(page: str) -> str | None:
    """The text of the page's <mark> (the quote), unescaped; None when nothing is marked.
    The page has at most one."""
    found = re.findall(r'<mark id="ab-quote">(.*?)</mark>', page, re.S)
    assert len(found) <= 1 and page.count("<mark") == len(found), "more than one <mark>"
    return html.unescape(found[0]) if found else None


def notice(page: str) -> tuple[str, str] | None:
    """(status, what it says) of the page's notice that the article was updated; None when
    the page shows the current version."""
    found = re.search(r'<div class="ab-notice" data-status="([a-z]+)"[^>]*>(.*?)</div>', page, re.S)
    return (found[1], _text(found[2])) if found else None


def problem(page: str) -> str | None:
    """The one line a bad link's page says."""
    found = re.search(r'<p class="ab-problem">(.*?)</p>', page, re.S)
    return _text(found[1]) if found else None


# --------------------------------------------------------------------------- a real index


def record(text: str) -> dict[str, Any]:
    return {
        "id": ARTICLE_ID,
        "title": TITLE,
        "url": URL,
        "published": "2026-12-01",
        "source": "Lenhart Post",
        "text": text,
    }


def write_article(folder: Path, text: str = TEXT) -> Path:
    """The article as the one line of pier.jsonl in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pier.jsonl"
    path.write_text(json.dumps(record(text)) + "\n", encoding="utf-8")
    return path


def pier_settings(root: Path, store: str, embedder: Any) -> Settings:
    """The article (and the seed article beside it) in `root`/articles, indexed into
    `store` (a FAISS folder or a Milvus Lite .db: support.common.store_at)."""
    from support.common import SEED_FILE

    articles = root / "articles"
    write_article(articles)
    (articles / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    settings = Settings.load(articles_dir=articles, store=store)
    build_index(settings, embedder)
    return settings


def correct(settings: Settings, change: tuple[str, str], embedder: Any) -> str:
    """Edit the article's file in the articles folder (as a news site's correction arrives)
    and update the index; the article's new text."""
    path = settings.articles_dir / "pier.jsonl"
    text = json.loads(path.read_text(encoding="utf-8"))["text"]
    assert change[0] in text, change
    new = text.replace(*change, 1)
    write_article(settings.articles_dir, new)
    build_index(settings, embedder)
    return new


def today() -> str:
    return datetime.now(UTC).date().isoformat()
