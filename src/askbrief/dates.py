"""When an article appeared, as far as the article itself says: news questions ("this week")
are about the newest articles, and a match in a years-old page is weaker evidence."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from askbrief.records import Article, ArticleEntry

# /2024/01/09/, -2024-01-09-, 20240109 (year 1990-2039; the day is optional: /2024/01/).
_URL_DATE = re.compile(
    r"(?<!\d)(199\d|20[0-3]\d)([/_.-]?)(0[1-9]|1[0-2])(?:\2(0[1-9]|[12]\d|3[01]))?(?!\d)"
)
_UNSET = datetime(1, 7, 15)  # a string without a year is not a date we can use

# The date a plain-text or Markdown article states at its top (text_date): YAML front matter
# (`---` first, `date:` or `published:` inside), else a dateline at the start of one of the
# first five non-empty lines (the title line counts): "GLIMMERPORT, March 14, 2026 —",
# "14 March 2026", "Published: 2026-03-14". A whole date only (day, month, year), followed
# by the line's end, a dash, "|", "(", ": " or a time: a year or a date in a sentence ("the
# 2027 festival", "On March 14, 2026 the council") is not the article's.
HEAD_LINES = 5
_HEAD_CHARS = 5000  # where those lines are looked for: a huge one-line file is not split
_FRONT = re.compile(r"---[ \t\r]*\n(.*?)^(?:---|\.\.\.)[ \t\r]*$", re.DOTALL | re.MULTILINE)
_FRONT_DATE = re.compile(r"^(?:date|published)[ \t]*:[ \t]*(.+?)[ \t\r]*$", re.MULTILINE)
_MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?i:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
_WHEN = (
    rf"{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"  # 2026-03-14
    rf"|{_MONTH}[ \t]+{_DAY},?[ \t]+{_YEAR}"  # March 14, 2026
    rf"|{_DAY}[ \t]+{_MONTH},?[ \t]+{_YEAR}"  # 14 March 2026
)
_PLACE = r"(?:[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,3},[ \t]+){1,2}"  # "SPRINGFIELD, Ill., "
_LABEL = r"(?i:published|posted|dated?)(?:[ \t]+on)?:?[ \t]+"
_WEEKDAY = r"(?i:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?)\.?,?[ \t]+"
_DATELINE = re.compile(
    rf"[*_>#\s]*(?:{_LABEL}|{_PLACE})?(?:{_WEEKDAY})?(?P<when>{_WHEN})"
    r"(?=[*_ \t]*(?:$|[—–|(]|--?\s|:\s|,?[ \t]*\d{1,2}:\d\d|T\d\d:))",
    re.MULTILINE,
)
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


def front_matter(text: str) -> re.Match[str] | None:
    """The YAML front matter block at the very top of a text ('---' lines around it)."""
    return _FRONT.match(text)


def text_date(text: str) -> str | None:
    """The date (YYYY-MM-DD) a .txt or .md article gives in its front matter or a dateline
    at its top (the forms above); None when it gives none. Read from the text alone, so it
    changes with the text and an edited date is re-indexed like any edit."""
    front = front_matter(text)
    if front:
        for value in _FRONT_DATE.findall(front.group(1)):
            found = parse_date(value.strip("\"'"))
            if found is not None:
                return found.isoformat()
    begin = front.end() if front else 0
    lines = [line for line in text[begin : begin + _HEAD_CHARS].splitlines() if line.strip()]
    for line in lines[:HEAD_LINES]:
        m = _DATELINE.match(line)
        found = parse_date(m["when"]) if m else None
        if found is not None:
            return found.isoformat()
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
