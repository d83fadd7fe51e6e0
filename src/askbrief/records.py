"""The records that flow through the pipeline: plain frozen dataclasses."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date

from askbrief.text import counted


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    text: str  # offsets everywhere are Python string indices into this text
    source_path: str
    format: str
    source: str | None = None
    url: str | None = None
    published: str | None = None
    # Who uploaded the file it came from through the web UI (None: no sign-in, or not
    # uploaded) and when (UTC, ISO 8601; None: not uploaded). provenance.py sets them.
    added_by: str | None = None
    added_at: str | None = None


@dataclass(frozen=True)
class Span:
    """A sentence or passage: article.text[start:end]."""

    start: int
    end: int


@dataclass(frozen=True)
class ArticleEntry:
    """One line of the article list: what identifies an article, without its text."""

    id: str
    title: str
    source_path: str
    url: str | None
    published: str | None
    passages: int
    added_by: str | None = None
    added_at: str | None = None


@dataclass(frozen=True)
class SentenceRow:
    """A stored sentence: the idx-th of its article, at article.text[start:end]."""

    sid: int
    article_id: str
    idx: int
    start: int
    end: int


@dataclass(frozen=True)
class PassageRow:
    """A stored passage: sentences first..last of its article, at article.text[start:end]."""

    pid: int
    article_id: str
    first: int
    last: int
    start: int
    end: int


DATES_GIVEN = "dates given"  # the label of a window given as dates (--since/--until)


@dataclass(frozen=True)
class Window:
    """Dates from `start` to `end`, both included; None: open on that side."""

    start: date | None
    end: date | None
    label: str  # what named it: the question's words, or DATES_GIVEN
    # Strict (a date range given): only articles inside are quoted. Otherwise (a question's
    # time words) a strong prior: inside articles rank first, but a report dated a few days
    # off can still answer (dates from pages and URLs are often those of an update).
    strict: bool = False

    def holds(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def describe(self) -> str:
        """'articles from 2024-02-12 to 2024-02-18', as an answer reports it."""
        if self.start and self.end:
            if self.start == self.end:
                return f"articles from {self.start.isoformat()}"
            return f"articles from {self.start.isoformat()} to {self.end.isoformat()}"
        if self.start:
            return f"articles from {self.start.isoformat()} on"
        if self.end:
            return f"articles up to {self.end.isoformat()}"
        return "all articles"

    def note(self) -> dict[str, str | None]:
        """What an answer writes of its window: the dates, what named them, and that
        undated articles were kept in (they are never dropped for a window)."""
        return self.to_dict() | {"undated": "included", "said": self.describe()}

    def to_dict(self) -> dict[str, str | None]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "label": self.label,
            "strict": "yes" if self.strict else "no",
        }


@dataclass(frozen=True)
class Candidate:
    """One candidate sentence of a question, from retrieval to quote: where it is, its text,
    what retrieval found of it, and its score at the latest stage (ranker, then reader)."""

    article_id: str
    idx: int  # sentence number within the article
    start: int
    end: int
    text: str
    score: float = 0.0
    following: tuple[int, int] | None = None  # (start, end) of the article's next sentence
    headline: bool = False  # the article's first sentence, repeating its title
    sid: int = -1  # its sentence id in the index (-1: not from a search)
    context: str = ""  # its neighbouring sentences' text, for word coverage
    passage: float = 0.0  # the best score of a passage holding it
    passage_rank: int | None = None  # that passage's rank, if one of the best passages


def version_of(text: str) -> str:
    """An article version's id: its text's SHA-256, first 12 hex digits. Content-addressed,
    so an unchanged article has the same version in every build and every store."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class ArticleVersion:
    """One text an article has had, kept so that a citation of it stays true after the
    article is corrected; the newest is the one searched and answered from."""

    article_id: str
    version: str  # version_of(text)
    saved_at: str  # when an index build first saw this text (ISO 8601, UTC)
    chars: int  # len(text)
    title: str


@dataclass(frozen=True)
class Quote:
    n: int
    text: str
    article_id: str
    title: str
    source_path: str
    start: int
    end: int
    score: float
    date: str | None = None  # the article's date, YYYY-MM-DD, as ranking read it
    version: str = ""  # the version of the article quoted (version_of its text)
    permalink: str = ""  # a link that opens this span of that version (ask/citation.py)
    source_link: str | None = None  # the article's URL with a Text Fragment selecting the quote


@dataclass(frozen=True)
class Source:
    n: int  # first citation number that points at this article
    article_id: str
    title: str
    source_path: str
    source: str | None
    url: str | None
    published: str | None
    quotes: tuple[int, ...]  # citation numbers quoted from this article
    date: str | None = None  # YYYY-MM-DD from `published` or the URL: the date ranking used


@dataclass(frozen=True)
class Claim:
    """One article's answer when articles disagree: a named entity inside a quote, with the
    quote's number and the article's date. article.text[start:end] == value."""

    value: str
    quote: int  # the citation number of the quote holding it
    article_id: str
    title: str
    date: str | None
    start: int
    end: int


# Why a question was refused: the code an Answer carries, and what to tell the reader. A
# refusal may come with its closest passage ("closest, not an answer"), so no reason says
# that nothing is close: each stays true whether or not that passage is shown.
REASONS = {
    "nothing-close": "Even the closest passage in the articles is far from the question.",
    "wrong-kind": "Some articles are about this, but none of their sentences names "
    "the kind of thing asked for.",
    "old-news": "The closest articles are older news than the rest of the collection.",
    "weak-match": "The closest sentences share some of the question's words, but none "
    "of them reads as its answer.",
    "outside-window": "Nothing in the articles from those dates answers it.",
    "off-subject": "The closest passage is about something else: its article does not mention {}.",
    "undated": "No article has a date, so none can be called the latest.",
    "another-time": "It is about another time: the closest articles do not cover the year it "
    "names.",
}


def refusal_why(reason: str, missing: tuple[str, ...] = ()) -> str:
    """The sentence a refusal gives for `reason`, naming the question's `missing` words."""
    text = REASONS.get(reason, "")
    if "{}" in text:  # "… does not mention “Carrowmore”" / "… “ferry” or “ticket”"
        quoted = [f"\u201c{w}\u201d" for w in missing]
        words = ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else "".join(quoted)
        text = text.format(words) if words else text.split(":")[0] + "."
    return text


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    quotes: tuple[Quote, ...]
    sources: tuple[Source, ...]
    message: str = ""  # what to tell the reader when there is nothing to quote
    confidence: float = 0.0
    # Why a question was refused (one of answer.REASONS), "" when answered.
    reason: str = ""
    # Refused: the nearest sentence, shown only as "closest, not an answer".
    closest: Quote | None = None
    # The dates the answer was kept to ({"from", "to", "label", "undated", "said"}), if
    # the question or --since/--until named some.
    window: Window | None = None  # the dates the answer was kept to, if any
    # Articles whose quotes answer with different values, newest first ("Sources differ").
    differ: tuple[Claim, ...] = ()
    # Refused as "off-subject": the question's words the closest passage's article lacks.
    missing: tuple[str, ...] = ()
    # The words of quote [1] that answer, [start, end) in its article, inside the quote's
    # span: the thing of the asked kind most articles agree on (agreement.py); None when
    # the question asks for no kind of thing or no candidate is clear.
    answer_span: tuple[int, int] | None = None

    @property
    def why(self) -> str:
        """Why it was refused, one sentence; "" when answered."""
        return refusal_why(self.reason, self.missing) if self.reason else ""

    def to_dict(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answered": self.answered,
            "message": self.message,
            "confidence": round(self.confidence, 4),
            "reason": self.reason,
            "why": self.why,
            "missing": list(self.missing),
            "n_quotes": len(self.quotes),
            "n_articles": len(self.sources),
            "quotes": [asdict(q) for q in self.quotes],
            "closest": asdict(self.closest) if self.closest else None,
            "window": self.window.note() if self.window else None,
            "answer_span": self._answer_span(),
            "sources_differ": [asdict(c) for c in self.differ],
            "sources": [asdict(s) | {"quotes": list(s.quotes)} for s in self.sources],
        }

    def _answer_span(self) -> dict[str, object] | None:
        if self.answer_span is None or not self.quotes:
            return None
        first = self.quotes[0]
        start, end = self.answer_span
        text = first.text[start - first.start : end - first.start]
        return {"quote": first.n, "article_id": first.article_id, "start": start, "end": end,
                "text": text}  # fmt: skip


@dataclass(frozen=True)
class BuildReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    passages_embedded: int = 0
    articles: int = 0
    passages: int = 0
    seconds: float = 0.0
    warnings: tuple[str, ...] = field(default_factory=tuple)
    # earlier versions of articles gone from the folder that `index --prune` deleted (None:
    # not asked to prune)
    pruned: int | None = None

    def summary(self) -> str:
        pruned = "" if self.pruned is None else f"; {counted(self.pruned, 'version')} pruned"
        return (
            f"added {self.added}, updated {self.updated}, removed {self.removed}, "
            f"unchanged {self.unchanged}; {counted(self.passages_embedded, 'passage')} embedded"
            f"{pruned}"
        )
