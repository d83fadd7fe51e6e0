""" "What is the latest news?": a question about no subject, only about time, is answered
with the opening sentence of each of the newest articles, newest first.

Such a question has no words to match, so retrieval would find nothing close and refuse it;
yet its answer is plain: what the newest articles report. An article's opening sentence
(after a headline that repeats its title) is where news writing puts what happened."""

from __future__ import annotations

import re
from datetime import date

from askbrief.ask.answer import is_headline, is_quotable
from askbrief.dates import article_date
from askbrief.records import Candidate, Window
from askbrief.store.base import ReadStore
from askbrief.text import normalize

# A question asking for news in general ("What's new?", "What happened today?", "What is
# the latest news?") has one of the _ASKS_NEWS words and no word outside _GENERAL: any other
# word names a subject.
_ASKS_NEWS = frozenset(
    ("new", "news", "happened", "happening", "happen", "going", "update", "updates")
    + ("headline", "headlines", "story", "stories")
)
_GENERAL = _ASKS_NEWS | frozenset(
    ("what", "whats", "s", "is", "are", "was", "were", "the", "a", "any", "there", "has")
    + ("have", "been", "tell", "me", "us", "give", "show", "so", "far", "on", "in", "of")
    + ("this", "last", "past", "today", "week", "month", "year", "now", "currently")
    + ("right", "recent", "recently", "latest", "newest", "top", "most")
)
LEAD_SENTENCES = 3  # an opening sentence is looked for among the first few


def is_briefing(question: str) -> bool:
    """Does the question ask only for the news of a time, naming no subject? All its words
    are general ones, and one of them asks for news ("news", "new", "happened")."""
    words = set(re.findall(r"[a-z]+", normalize(question).replace("'", "")))
    return bool(words & _ASKS_NEWS) and words <= _GENERAL


def leads(store: ReadStore, window: Window | None, limit: int) -> list[Candidate]:
    """The opening sentences of the `limit` newest dated articles inside `window` (all
    dated ones without it), newest first; [] when no article has a date."""
    dated: list[tuple[date, str]] = []
    for entry in store.catalog():
        day = article_date(entry)
        if day is not None and (window is None or window.holds(day)):
            dated.append((day, entry.id))
    dated.sort(key=lambda d: (d[0], d[1]), reverse=True)
    out: list[Candidate] = []
    for rank, (_, article_id) in enumerate(dated):
        if len(out) >= limit:
            break
        lead = _lead(store, article_id, score=1.0 / (1 + rank))
        if lead is not None:
            out.append(lead)
    return out


def _lead(store: ReadStore, article_id: str, score: float) -> Candidate | None:
    article = store.article(article_id)
    if article is None:
        return None
    for row in store.sentences(article_id, 0, LEAD_SENTENCES - 1):
        text = article.text[row.start : row.end]
        if is_quotable(text) and not is_headline(text, article.title):
            return Candidate(article_id, row.idx, row.start, row.end, text, score)
    return None
