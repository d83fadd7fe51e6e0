"""What the web UI makes of what people type, before anything is asked: a blank question, one
too long to show, the date range's two fields and the "as of" date, a caller's value of the
wrong type. Its messages are in the page's and the API's own words (the From/To/As of boxes,
since/until/as_of), never the CLI's flags. gradio is not imported here."""

from __future__ import annotations

from datetime import date

from askbrief.ask.index import MAX_QUESTION_CHARS
from askbrief.ask.timeframe import check_order, parse_day
from askbrief.errors import AskbriefError
from askbrief.web.render import short_question

EMPTY_QUESTION = (
    "The question is empty: type a question in the box, e.g. "
    "\u201cWhat did Lavrov say about the ceasefire?\u201d, then press Enter or Ask."
)
# What the chat's date boxes and the API's parameters are called, in their errors: the
# range's two ends, then the date the question's time words count from.
BOX_NAMES = ("the From date", "the To date", "the As of date")
API_NAMES = ("since", "until", "as_of")


def is_blank(question: str) -> bool:
    """Nothing to ask: only white space and control characters (the index's reading)."""
    return not any(ch.isprintable() and not ch.isspace() for ch in question)


def as_shown(question: str) -> str:
    """The question as the chat echoes it: whole, unless it is too long to ask (the index
    refuses it), when a page of it would bury its error: then its start and "…"."""
    too_long = len(" ".join(question.split())) > MAX_QUESTION_CHARS
    return short_question(question) if too_long else question


def describe_value(value: object) -> str:
    """A caller's bad value as an error message quotes it: short, with its type."""
    text = repr(value)
    text = text if len(text) <= 60 else text[:59] + "…"
    return f"{text} ({type(value).__name__})"


def dates(
    since: object, until: object, as_of: object = None, names: tuple[str, ...] = BOX_NAMES
) -> dict[str, date]:
    """The dates a question is asked with, strictly YYYY-MM-DD, as `Index.ask` takes them
    (since, until, as_of); "" or None leaves one out. A value that is not a date, or a range
    that runs backwards, is an AskbriefError naming the fields as the caller knows them
    (`names`: the boxes, or the API's parameters)."""
    given = {"since": since, "until": until, "as_of": as_of}
    days = {
        key: day
        for (key, value), what in zip(given.items(), names, strict=True)
        if (day := _day(value, what)) is not None
    }
    check_order(days.get("since"), days.get("until"), *names[:2])
    return days


def _day(value: object, what: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise AskbriefError(f"{what} is {describe_value(value)}; give a date as YYYY-MM-DD")
    return parse_day(value, what)
