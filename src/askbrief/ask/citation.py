"""What a quote cites, and whether it still stands: permalinks to a span of one version of an
article, and, once the article has been corrected, whether the quoted words are unchanged in
its current text, changed (with their new wording) or removed.

A permalink is a URL path the web UI serves: `/quote?article=ID&version=V&span=START-END`
(absolute when the app knows its public address). Versions are content-addressed
(records.version_of), so a link made today opens the same words after any correction.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from askbrief.errors import AskbriefError
from askbrief.ingest.chunking import split_sentences
from askbrief.records import Article, version_of
from askbrief.store.base import ReadStore

PERMALINK_PATH = "/quote"
LOOKS_LIKE = "a quote link looks like /quote?article=ID&version=V&span=START-END"
# A changed quote's new wording: the current sentences most like the quoted ones, if at least
# this alike (difflib's ratio); below it the quoted words are taken as removed.
SAME_SENTENCE = 0.5
STATUSES = ("current", "unchanged", "changed", "removed")


@dataclass(frozen=True)
class Citation:
    """A span [start, end) of one version of an article."""

    article_id: str
    version: str
    start: int
    end: int


@dataclass(frozen=True)
class Standing:
    """A citation checked against the index: the article as quoted, and what became of the
    quoted words."""

    citation: Citation
    article: Article  # the version quoted
    status: str  # STATUSES: current (no newer version), unchanged, changed, removed
    updated_on: str | None  # the day the newer version was first indexed (YYYY-MM-DD)
    current_version: str | None  # None when the article has left the index
    now: str | None = None  # changed: the quoted sentences' new wording
    now_span: tuple[int, int] | None = None  # where the words sit in the current text

    @property
    def quote(self) -> str:
        return self.article.text[self.citation.start : self.citation.end]

    def message(self) -> str:
        """One line for stderr and the page: "" for a current version."""
        if self.status == "current":
            return ""
        when = f"updated {self.updated_on}" if self.updated_on else "updated"
        if self.current_version is None:
            return f"{when}: the article was removed from the collection"
        return {
            "unchanged": f"{when}: quote unchanged",
            "changed": f"{when}: quote changed",
            "removed": f"{when}: quote removed",
        }[self.status]


def permalink(article_id: str, version: str, start: int, end: int, base: str = "") -> str:
    """The link that opens this span of this version; `base` the app's public address."""
    query = urlencode({"article": article_id, "version": version, "span": f"{start}-{end}"})
    return f"{base.rstrip('/')}{PERMALINK_PATH}?{query}"


def parse_permalink(link: str) -> Citation:
    """A permalink (absolute, or the path alone) back into its citation; anything else is a
    one-line error saying what a link looks like."""
    parts = urlsplit(link.strip())
    if not is_permalink(link):
        raise AskbriefError(f"{link!r} is not a quote link; {LOOKS_LIKE}")
    fields = parse_qs(parts.query, keep_blank_values=True)
    try:
        (article_id,), (version,), (span,) = (fields[k] for k in ("article", "version", "span"))
        start_s, end_s = span.split("-")
        start, end = int(start_s), int(end_s)
    except (KeyError, ValueError):
        raise AskbriefError(f"{link!r} is not a whole quote link; {LOOKS_LIKE}") from None
    if not article_id or not version or start < 0 or end <= start:
        raise AskbriefError(f"{link!r} names no article, version or span; {LOOKS_LIKE}")
    return Citation(article_id, version, start, end)


def is_permalink(text: str) -> bool:
    """Is `text` a quote link: /quote?..., or that under the app's public address? (An
    article id is a relative path, and a file path has no query.)"""
    parts = urlsplit(text.strip())
    rooted = bool(parts.scheme) or text.strip().startswith("/")
    path = parts.path.rstrip("/")
    return rooted and (
        path == PERMALINK_PATH or (path.endswith(PERMALINK_PATH) and bool(parts.query))
    )


def check(store: ReadStore, cited: Citation) -> Standing:
    """Read the cited version and compare the quoted words with the current text. Unknown
    article, unknown version or a span outside the text: a one-line error."""
    name = quote(cited.article_id, safe="/._-")
    versions = store.versions(cited.article_id)
    if not versions:
        raise AskbriefError(f"no article {name!r} in the index; see `askbrief articles`")
    article = store.article_version(cited.article_id, cited.version)
    if article is None:
        raise AskbriefError(
            f"article {name!r} has no version {cited.version!r}; "
            f"`askbrief show {name} --versions` lists them"
        )
    if cited.end > len(article.text):
        raise AskbriefError(
            f"span {cited.start}-{cited.end} is outside version {cited.version} of {name!r} "
            f"({len(article.text)} characters)"
        )
    current = store.article(cited.article_id)
    if current is None:  # left the folder; its versions are kept until `index --prune`
        return Standing(cited, article, "removed", versions[-1].saved_at[:10] or None, None)
    now_version = version_of(current.text)
    if now_version == cited.version:
        return Standing(
            cited, article, "current", None, now_version, None, (cited.start, cited.end)
        )
    updated = next((v.saved_at[:10] for v in versions if v.version == now_version), None)
    words = article.text[cited.start : cited.end]
    found = _nearest(current.text, words, cited.start)
    if found is not None:
        return Standing(cited, article, "unchanged", updated, now_version, None, found)
    span = _most_like(current.text, words)
    if span is None:
        return Standing(cited, article, "removed", updated, now_version)
    now = current.text[span[0] : span[1]]
    return Standing(cited, article, "changed", updated, now_version, now, span)


def sentence_diff(old: str, new: str, old_name: str = "old", new_name: str = "new") -> list[str]:
    """The lines of a unified diff of two texts, one sentence a line: readable where a
    correction changed a word in a long paragraph."""
    return list(
        difflib.unified_diff(_sentences(old), _sentences(new), old_name, new_name, n=1, lineterm="")
    )


def _nearest(text: str, words: str, near: int) -> tuple[int, int] | None:
    """The occurrence of `words` in `text` closest to offset `near`."""
    best = None
    at = text.find(words)
    while at >= 0:
        if best is None or abs(at - near) < abs(best - near):
            best = at
        at = text.find(words, at + 1)
    return None if best is None else (best, best + len(words))


def _most_like(text: str, words: str) -> tuple[int, int] | None:
    """Where the quoted sentences went in `text`: each quoted sentence's most alike sentence
    (if alike enough to be it reworded); the run from the first found to the last when they
    still sit together, else the best found alone. None: none of them is left."""
    spans = [(s.start, s.end) for s in split_sentences(text, 10_000)]
    found: list[tuple[float, int]] = []  # (ratio, index into spans) per quoted sentence kept
    for q in split_sentences(words, 10_000):
        said = words[q.start : q.end]
        best = max(
            ((_alike(said, text[a:b]), i) for i, (a, b) in enumerate(spans)),
            default=(0.0, -1),
        )
        if best[0] >= SAME_SENTENCE:
            found.append(best)
    if not found:
        return None
    kept = sorted({i for _, i in found})
    if kept == list(range(kept[0], kept[-1] + 1)):
        return spans[kept[0]][0], spans[kept[-1]][1]
    i = max(found)[1]
    return spans[i]


def _alike(a: str, b: str) -> float:
    return difflib.SequenceMatcher(
        None, " ".join(a.split()), " ".join(b.split()), autojunk=False
    ).ratio()


def _sentences(text: str) -> list[str]:
    return [" ".join(text[s.start : s.end].split()) for s in split_sentences(text, 10_000)]
