"""Time words in a question ("this week", "since Monday", "in March", "latest") as a window
of dates, resolved against the collection's "now".

News questions are about time, and "this week" means the articles of this week, not every
article that matches the other words. A phrase is recognised here; what it names (a weekday,
a month, a date in any common spelling) is read by dateparser, and calendar spans come from
dateutil's relativedelta, not from date arithmetic of our own.

Weeks run Monday to Sunday. A window never runs past "now": "this week" on a Wednesday is
Monday to Wednesday. "latest", "most recent", "newest", "now" and "currently" ask for the
newest reports: a window of the RECENT_DAYS up to now.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache

from askbrief.records import DATES_GIVEN, Window

RECENT_DAYS = 30
# What a typed date must look like; an example is part of every error about one.
DATE_FORMAT = "YYYY-MM-DD, e.g. 2026-03-01"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# The label of a window from explicit dates, as opposed to the question's own time words.
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# Month and weekday names as words: they date a question, they do not name its subject.
CALENDAR_WORDS = frozenset(f"{_MONTHS}|{_WEEKDAYS}".split("|"))
# What may follow "since": a weekday, a month (and day), a date, or a relative word.
_SINCE_WHAT = (
    rf"(?:last\s+)?(?:{_WEEKDAYS})|(?:{_MONTHS})(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})(?:\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}"
    r"|yesterday|last\s+week|last\s+month|(?:19|20)\d\d"
)
# Phrases, most specific first; each names its kind for `_window`.
_PHRASES = [
    ("since", re.compile(rf"\bsince\s+(?P<what>{_SINCE_WHAT})\b", re.I)),
    (
        "month",
        re.compile(rf"\b(?:in|during)\s+(?P<what>(?:{_MONTHS})(?:\s+(?:19|20)\d\d)?)\b", re.I),
    ),
    ("year", re.compile(r"\b(?:in|during)\s+(?P<what>(?:19|20)\d\d)\b", re.I)),
    ("today", re.compile(r"\btoday\b", re.I)),
    ("yesterday", re.compile(r"\byesterday\b", re.I)),
    ("this week", re.compile(r"\bthis\s+week\b", re.I)),
    ("last week", re.compile(r"\blast\s+week\b", re.I)),
    ("past week", re.compile(r"\b(?:past|last)\s+(?:seven|7)\s+days\b|\bpast\s+week\b", re.I)),
    ("this month", re.compile(r"\bthis\s+month\b", re.I)),
    ("last month", re.compile(r"\blast\s+month\b", re.I)),
    ("this year", re.compile(r"\bthis\s+year\b", re.I)),
    ("last year", re.compile(r"\blast\s+year\b", re.I)),
    ("recent", re.compile(r"\b(?:latest|most\s+recent|newest|currently|right\s+now|now)\b", re.I)),
]


def resolve(question: str, now: date) -> Window | None:
    """The window the question's time words name, as of `now`; None if it names none."""
    for kind, pattern in _PHRASES:
        match = pattern.search(question)
        if match is None:
            continue
        what = match.groupdict().get("what")
        window = _window(kind, what, now)
        if window is not None:
            start, end = window
            return Window(start, min(end, now), " ".join(match.group(0).split()).lower())
    return None


def explicit(since: date | None, until: date | None) -> Window | None:
    """The window a strict date range gives (either side may be missing); None if neither.
    Its error is in neutral words: each front end checks the order first in its own terms
    (`check_order`), so this one only guards callers of the library."""
    if since is None and until is None:
        return None
    check_order(since, until)
    return Window(since, until, DATES_GIVEN, strict=True)


def check_order(
    since: date | None,
    until: date | None,
    first: str = "the start date",
    last: str = "the end date",
) -> None:
    """A one-line error if the range runs backwards, naming its ends as the caller calls
    them ("--since"/"--until" in the CLI, the From/To boxes in the UI)."""
    if since is not None and until is not None and since > until:
        from askbrief.errors import AskbriefError

        raise AskbriefError(f"{first} {since} is after {last} {until}; swap them")


def parse_day(value: str, what: str = "the date") -> date:
    """A date the user typed as a date (--since, --until, --as-of, the UI's From and To):
    YYYY-MM-DD and nothing else, so 2026-13-01 is an error rather than 13 January, and
    "yesterday" in a date box is not quietly read. Time words belong in the question, which
    `resolve` reads leniently. `what` names the value as the user knows it."""
    text = value.strip()
    if _ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    from askbrief.errors import AskbriefError

    raise AskbriefError(f"{what} {value!r} is not a date; use {DATE_FORMAT}")


def _window(kind: str, what: str | None, now: date) -> tuple[date, date] | None:
    from dateutil.relativedelta import MO, relativedelta

    week = now + relativedelta(weekday=MO(-1))
    month = now.replace(day=1)
    spans = {
        "today": (now, now),
        "yesterday": (now - timedelta(days=1), now - timedelta(days=1)),
        "this week": (week, now),
        "last week": (week - relativedelta(weeks=1), week - timedelta(days=1)),
        "past week": (now - timedelta(days=6), now),
        "this month": (month, now),
        "last month": (month - relativedelta(months=1), month - timedelta(days=1)),
        "this year": (now.replace(month=1, day=1), now),
        "last year": (date(now.year - 1, 1, 1), date(now.year - 1, 12, 31)),
        "recent": (now - timedelta(days=RECENT_DAYS - 1), now),
    }
    if kind in spans:
        return spans[kind]
    assert what is not None
    if kind == "year":
        year = int(what)
        return date(year, 1, 1), date(year, 12, 31)
    day = _parse(what, now)
    if day is None:
        return None
    if kind == "month":
        first = day.replace(day=1)
        return first, first + relativedelta(day=31)
    if kind == "since" and re.fullmatch(r"(?:19|20)\d\d", what.strip()):
        return date(int(what), 1, 1), now
    if kind == "since" and re.fullmatch(rf"(?:{_MONTHS})(?:,?\s+\d{{4}})?", what.strip(), re.I):
        return day.replace(day=1), now  # "since March": from its first day
    return day, now


@lru_cache(maxsize=1024)
def _parse(text: str, now: date | None) -> date | None:
    """dateparser's reading of a weekday, month or date, preferring the past of `now`."""
    import dateparser

    settings: dict[str, object] = {"PREFER_DATES_FROM": "past", "PREFER_DAY_OF_MONTH": "first"}
    if now is not None:
        settings["RELATIVE_BASE"] = datetime(now.year, now.month, now.day)
    found = dateparser.parse(text, languages=["en"], settings=settings)
    return found.date() if found else None


def window_sentence(window: Window | dict[str, str | None] | None) -> str:
    """What an answer says of its window: the dates, the words that named them, and that
    undated articles stayed in; "" without one. The CLI prints it; the UI shows it escaped,
    from the answer as /ask writes it."""
    note = window.note() if isinstance(window, Window) else window
    if not note:
        return ""
    label = note.get("label")
    asked = "" if label == DATES_GIVEN else f' ("{label}")'
    return f"Searched {note.get('said')}{asked}; undated articles included."


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def years_unmatched(question: str, texts: Sequence[str], days: Sequence[date | None]) -> float:
    """Share of the years the question names ("the 2022 midterms") that none of `texts`
    mentions and none of `days` falls in: a question about another time. 0 when it names
    none."""
    asked = set(_YEAR.findall(question))
    if not asked:
        return 0.0
    found = {y for t in texts for y in _YEAR.findall(t)} | {str(d.year) for d in days if d}
    return len(asked - found) / len(asked)


def tells_of(window: Window | None, text: str) -> bool:
    """Does `text` name a year of `window`, when the window spans years ("in 2024", "last
    year")? Then it reports on those dates whatever its article's own date."""
    if window is None or window.start is None or window.end is None:
        return False
    if (window.end - window.start).days < 300:  # a week or a month: dates, not years
        return False
    years = range(window.start.year, window.end.year + 1)
    return any(int(y) in years for y in _YEAR.findall(text))
