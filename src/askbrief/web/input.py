"""What the web UI makes of what people type, before anything is asked: a blank question, one
too long to show, the date range's two fields, a caller's value of the wrong type. Its
messages are in the page's and the API's own words (the From/To boxes, since/until), never
the CLI's flags. gradio is not imported here."""

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
# What the chat's date boxes and /ask_between's parameters are called, in their errors.
BOX_NAMES = ("the From date", "the To date")
API_NAMES = ("since", "until")


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
    since: object, until: object, names: tuple[str, str] = BOX_NAMES
) -> tuple[date | None, date | None]:
    """The date range's two fields as dates, strictly YYYY-MM-DD; "" or None leaves a side
    open. A value that is not a date, or a range that runs backwards, is an AskbriefError
    naming the fields as the caller knows them (`names`: the boxes, or the API's
    parameters)."""

    def day(value: object, what: str) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise AskbriefError(f"{what} is {describe_value(value)}; give a date as YYYY-MM-DD")
        return parse_day(value, what)

    first, last = day(since, names[0]), day(until, names[1])
    check_order(first, last, *names)
    return first, last
