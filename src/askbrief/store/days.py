"""Each article's date (dates.article_date), stored when the article is written so a
question reads it with one batch query instead of reading and parsing every article.

Stored as ISO text, "" for an undated article. Stores written before dates were stored
have none (None here): the date is then computed from the article's `published` and `url`,
exactly as it was before, so such a store answers the same without a rebuild.
"""

from __future__ import annotations

from datetime import date

from askbrief.dates import article_date
from askbrief.records import Article, ArticleEntry


def day_text(article: Article) -> str:
    """What a writer stores for the article."""
    found = article_date(article)
    return found.isoformat() if found else ""


def stored_day(stored: str | None, published: str | None, url: str | None) -> date | None:
    """The article's date from what a reader found: the stored text, or, where none was
    stored (None), computed from its published and url fields."""
    if stored is None:
        return article_date(ArticleEntry("", "", "", url, published, 0))
    return date.fromisoformat(stored) if stored else None
