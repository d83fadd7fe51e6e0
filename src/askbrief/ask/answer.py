"""Choose the verbatim sentences that answer a question, and assemble the cited Answer."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from askbrief.ask.citation import permalink
from askbrief.ask.fragment import source_link
from askbrief.dates import article_date
from askbrief.records import Answer, Article, Candidate, Quote, Source, version_of
from askbrief.text import normalize, term_set

NOT_ANSWERED = "The articles don't answer this."
MIN_QUOTE_WORDS = 4


def is_quotable(text: str) -> bool:
    """Skip fragments (bylines, 'Share this', menu items) that answer nothing on their own."""
    return len(text.split()) >= MIN_QUOTE_WORDS and any(c.isalpha() for c in text)


def is_headline(sentence: str, title: str) -> bool:
    """An article's first sentence that repeats its title (a .txt file's first line, or a
    web page whose text opens with its headline): the sources list shows it already."""
    a, b = normalize(sentence), normalize(title)
    return bool(a and b) and (a in b or b in a)


def select(
    candidates: Sequence[Candidate],
    max_quotes: int,
    keep_ratio: float = 0.0,
    text_of: Callable[[str], str] | None = None,
) -> list[Candidate]:
    """The best quotes, best first, as many as the evidence supports: after the first, a
    quote is added only while its score is at least `keep_ratio` times the first one's
    (scores are probabilities of holding the answer). Near-duplicates are dropped (one story
    syndicated on several sites), and a headline only leads, never pads. With `text_of` (an
    article's text by id), a sentence right before or after a chosen quote joins it as one
    quote: the reader reads one passage, not its halves as separate quotes, and the first
    quote then holds the sentence beside the best one, where the answer often is."""
    chosen: list[Candidate] = []
    seen: list[set[str]] = []
    for cand in sorted(candidates, key=lambda c: c.score, reverse=True):
        if chosen and cand.score < keep_ratio * chosen[0].score:
            break
        if chosen and cand.headline:
            continue
        words = set(normalize(cand.text).split())
        if any(_jaccard(words, other) >= 0.7 for other in seen):
            continue
        if text_of and any(_touching(q, cand, text_of) for q in chosen):
            chosen = join_touching([*chosen, cand], text_of)
            seen.append(words)
            continue
        if len(chosen) >= max_quotes:
            break
        chosen.append(cand)
        seen.append(words)
    return chosen


def nearest_read(read: Sequence[Candidate]) -> Candidate | None:
    """What a refusal shows as the closest passage: the reader's best sentence, though not
    a headline, which only repeats the title shown beside it."""
    return next((c for c in read if not c.headline), read[0]) if read else None


def _touching(a: Candidate, b: Candidate, text_of: Callable[[str], str]) -> bool:
    """Same article, only white space between: one passage to a reader. Both were chosen
    on their own merit, so they join across a paragraph break too (unlike `widen`)."""
    if a.article_id != b.article_id:
        return False
    text = text_of(a.article_id)
    if len(text) < max(a.end, b.end):  # the article changed meanwhile
        return False
    first, second = (a, b) if a.start <= b.start else (b, a)
    return second.start >= first.end and not text[first.end : second.start].strip()


def _joined(a: Candidate, b: Candidate, text_of: Callable[[str], str]) -> Candidate:
    """One quote over two touching ones, with `a`'s score."""
    first, second = (a, b) if a.start <= b.start else (b, a)
    text = text_of(a.article_id)
    return replace(
        a,
        idx=first.idx,
        start=first.start,
        end=second.end,
        text=text[first.start : second.end],
        following=second.following,
    )


def widen(
    chosen: Sequence[Candidate],
    articles: dict[str, Article],
    budget: int,
    asked: frozenset[str] = frozenset(),
) -> list[Candidate]:
    """Carry the best quotes on into their article's next sentence, in rank order, while the
    whole answer stays within `budget` characters: the answer often sits just after the
    sentence that matches the question ("...the coach was nervous. Anna Richardson, however,
    was unphased."). A next sentence that is itself a quote, or a fragment, is left alone.
    Past the end of its paragraph a quote carries on only into a sentence that continues
    the question's subject, holding one of its words (`asked`, stemmed terms): "What did
    Lavrov say about France?" must not end on the next paragraph's Washington Post report."""
    out = list(chosen)
    total = sum(c.end - c.start for c in out)
    for n, cand in enumerate(out):
        nxt = cand.following
        if nxt is None or any(
            c.article_id == cand.article_id and c.start < nxt[1] and nxt[0] < c.end for c in out
        ):
            continue
        text = articles[cand.article_id].text
        start, end = nxt
        added = end - cand.end
        gap = text[cand.end : start]
        if added <= 0 or total + added > budget or gap.strip():
            continue
        if not is_quotable(text[start:end]):
            continue
        if breaks_paragraph(text, gap) and not asked & term_set(text[start:end]):
            continue  # the next paragraph, on another subject
        out[n] = replace(cand, end=end, text=text[cand.start : end], following=None)
        total += added
    return out


def join_touching(quotes: Sequence[Candidate], text_of: Callable[[str], str]) -> list[Candidate]:
    """Quotes (best first) that touch, one ending just before another of its article with
    only white space between, become one, in the better one's place and with its score:
    neighbouring sentences chosen apart, or a quote carried on up to the next one."""
    out = list(quotes)
    n = 0
    while n < len(out):
        m = next((m for m in range(n + 1, len(out)) if _touching(out[n], out[m], text_of)), None)
        if m is None:
            n += 1
            continue
        out[n] = _joined(out[n], out[m], text_of)
        del out[m]
    return out


def breaks_paragraph(text: str, gap: str) -> bool:
    """Does white space `gap` between two sentences of `text` end a paragraph? A blank line
    does; so does a line break in an article that never uses blank lines (one paragraph a
    line, as most .txt files and extracted web pages have). Where blank lines separate
    paragraphs, a single line break is only hard wrapping inside one."""
    if _BLANK_LINE.search(gap):
        return True
    return "\n" in gap and not _BLANK_LINE.search(text)


_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def assemble(
    question: str,
    chosen: Sequence[Candidate],
    articles: dict[str, Article],
    confidence: float,
    link_base: str = "",
) -> Answer:
    """Quotes best first, as chosen (a quote's neighbouring sentences are already joined to
    it, by `select` and `join_touching`, so nothing else needs reordering)."""
    if not chosen:
        return Answer(question, False, (), (), NOT_ANSWERED, confidence)
    quotes: list[Quote] = []
    by_article: dict[str, list[int]] = {}
    for n, cand in enumerate(chosen, start=1):
        article = articles[cand.article_id]
        text = article.text[cand.start : cand.end]
        assert text == cand.text, "quote span does not match the article text"
        quotes.append(cite(n, article, cand.start, cand.end, cand.score, link_base))
        by_article.setdefault(article.id, []).append(n)
    sources = tuple(
        Source(
            ns[0], a.id, a.title, a.source_path, a.source, a.url, a.published, tuple(ns), day_of(a)
        )
        for a, ns in ((articles[i], ns) for i, ns in by_article.items())
    )
    return Answer(question, True, tuple(quotes), sources, "", confidence)


def cite(n: int, article: Article, start: int, end: int, score: float, link_base: str) -> Quote:
    """Quote [n]: the span's text and where it is, with the article version it was quoted
    from, a permalink to it (under `link_base`, the app's public address) and, for an
    article with a URL, a link that opens the original page at the quote."""
    version = version_of(article.text)
    return Quote(
        n,
        article.text[start:end],
        article.id,
        article.title,
        article.source_path,
        start,
        end,
        round(score, 4),
        day_of(article),
        version,
        permalink(article.id, version, start, end, link_base),
        source_link(article.url, article.text, start, end),
    )


def day_of(article: Article) -> str | None:
    """The article's date as quotes and sources show it (YYYY-MM-DD), None if undated."""
    found = article_date(article)
    return found.isoformat() if found else None


def follow_up(
    with_context: Sequence[Candidate], alone: Sequence[Candidate]
) -> tuple[Candidate, ...]:
    """A follow-up's sentences: those its own words found too (`alone`), each scored by the
    geometric mean of both probabilities, so the earlier question's subject ("he" is
    Lavrov) decides between them but its own sentences (the ceasefire) do not come in.
    With none in common, the follow-up's own reading stands."""
    own = {(c.article_id, c.start): c.score for c in alone}
    both = [
        replace(c, score=math.sqrt(c.score * own[c.article_id, c.start]))
        for c in with_context
        if (c.article_id, c.start) in own
    ]
    return tuple(sorted(both, key=lambda c: -c.score)) if both else tuple(alone)
