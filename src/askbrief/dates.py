"""When an article appeared, as far as the article itself says: news questions ("this week")
are about the newest articles, and a match in a years-old page is weaker evidence."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from .records import Article, ArticleEntry

# /2024/01/09/, -2024-01-09-, 20240109 (year 1990-2039; the day is optional: /2024/01/).
_URL_DATE = re.compile(
    r"(?<!\d)(199\d|20[0-3]\d)([/_.-]?)(0[1-9]|1[0-2])(?:\2(0[1-9]|[12]\d|3[01]))?(?!\d)"
)
_UNSET = datetime(1, 7, 15)  # a string without a year is not a date we can use
# How fast an article's weight as "current news" fades with its age, in days.
RECENCY_DAYS = 90.0


def article_date(article: Article | ArticleEntry) -> date | None:
    """The `published` field when it parses, else a date in the article's URL."""
    if article.published:
        found = parse_date(article.published)
        if found is not None:
            return found
    if article.url:
        m = _URL_DATE.search(article.url)
        if m:
            return date(int(m[1]), int(m[3]), int(m[4] or 15))  # month only: its middle
    return None


@lru_cache(maxsize=8192)
def parse_date(value: str) -> date | None:
    """ISO 8601 or any common spelling ('Tue, 9 Jan 2024 10:05 GMT'); None if it is not one.
    Cached: every question reads the dates of its candidate articles again."""
    from dateutil import parser

    try:  # missing parts come from the default: '2024' is mid-2024, 'Jan 2024' mid-January
        parsed = parser.parse(value.strip(), default=_UNSET).date()
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None
    return None if parsed.year == _UNSET.year else parsed


def newest(articles: Iterable[Article], today: date | None = None) -> date | None:
    """The collection's 'now': its newest dated article, not the clock, so an archive of
    old news answers the same way on any day. Dates after `today` (default: the clock) are
    mistakes or URLs about the future ('/2035/01/plans'), and would make every real article
    look old: they are left out."""
    limit = today or date.today()
    dates = (d for d in map(article_date, articles) if d is not None and d <= limit)
    return max(dates, default=None)


def recency(when: date | None, now: date | None) -> float | None:
    """1.0 for an article from the collection's newest day, fading with age; None if either
    date is unknown."""
    if when is None or now is None:
        return None
    age = max(0, (now - when).days)
    return math.exp(-age / RECENCY_DAYS)
