"""The web UI's HTML, without a server or gradio: escaping of untrusted article text, exact
highlight spans, refusals, and counts whose words agree with them. Answers are real
records (Answer/Quote/Source.to_dict()), as the chat gets them from the index.

Here, what needs no model and no index; the rest: tests/system/test_ui_render.py."""

from __future__ import annotations

import html
import re
from dataclasses import asdict, replace
from typing import Any

import pytest

from askbrief.records import REASONS, Answer, Article, BuildReport, Quote, Source, refusal_why
from askbrief.web.render import (
    chat_messages,
    esc,
    highlight,
    quote_count,
    render_answer,
    render_progress,
    render_question,
    render_report,
    render_source,
    render_status,
)

HOSTILE = 'Hostile <script>alert(1)</script> & "quotes"'
TEXT = (
    "Lavrov rejects ceasefire\n"
    "Sergey Lavrov said a ceasefire would only let Ukraine rearm.\n"
    "He added that France should stay out of the talks.\n"
    "Moscow wants legal guarantees instead."
)


def quote(n: int, text: str, article: str = "a.txt", *, title: str = "T", at: str = TEXT) -> Quote:
    """Quote [n]: `text` where it stands in `at` (offsets as the index gives them)."""
    start = at.index(text) if text in at else 0
    return Quote(n, text, article, title, f"/news/{article}", start, start + len(text), 0.9)


def source(n: int, article: str, quotes: tuple[int, ...], **meta: Any) -> Source:
    fields = {"title": "T", "source": None, "url": None, "published": None} | meta
    return Source(n=n, article_id=article, source_path=f"/news/{article}", quotes=quotes, **fields)


def answered(quotes: tuple[Quote, ...], sources: tuple[Source, ...]) -> dict[str, Any]:
    return Answer("What did Lavrov say?", True, quotes, sources, confidence=0.9).to_dict()


def refused(closest: Quote | None = None, reason: str = "nothing-close") -> dict[str, Any]:
    return Answer(
        "What is the price of tungsten?",
        False,
        (),
        (),
        message="The articles don't answer this.",
        reason=reason,
        closest=closest,
    ).to_dict()


# ---------------------------------------------------------------- escaping


def test_answers_escape_quotes_and_titles() -> None:
    text = HOSTILE + " <img src=x onerror=alert(2)>"
    answer = answered(
        (quote(1, text, title="<b>Title</b>", at=text),),
        (source(1, "a.txt", (1,), title="<b>Title</b>", published="<i>2024</i>"),),
    )
    out = render_answer(0, answer)
    assert "<script" not in out and "<img" not in out and "<b>Title" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&lt;b&gt;Title" in out
    assert "&lt;i&gt;2024" in out
    assert '<div class="ab-count">1 quote from 1 article</div>' in out


def test_the_answer_words_are_highlighted_in_quote_one_only() -> None:
    """answer_span marks the words of quote [1] that answer; the CLI prints them bold."""
    text = "Sergey Lavrov said a ceasefire would only let Ukraine <rearm>.\nHe added more."
    first = quote(1, text, at=text)
    start = text.index("Ukraine")
    answer = Answer(
        "Which country?", True, (first, quote(2, "He added more.", at=text)),
        (source(1, "a.txt", (1, 2)),), confidence=0.9, answer_span=(start, start + 7),
    )  # fmt: skip
    out = render_answer(0, answer.to_dict())
    assert out.count('<mark class="ab-answer-words">') == 1
    assert 'let <mark class="ab-answer-words">Ukraine</mark> &lt;rearm&gt;.<br>He added' in out
    assert answer.to_dict()["answer_span"] == {
        "quote": 1, "article_id": "a.txt", "start": start, "end": start + 7, "text": "Ukraine"
    }  # fmt: skip
    from askbrief.cli.main import render

    assert "let \x1b[1mUkraine\x1b[0m <rearm>" in render(answer)
    plain = replace(answer, answer_span=None)
    assert "ab-answer-words" not in render_answer(0, plain.to_dict())
    assert plain.to_dict()["answer_span"] is None and "\x1b[" not in render(plain)


def test_question_and_error_turns_are_escaped() -> None:
    assert render_question("  <script>x()</script>\n why? ") == (
        '<div class="ab-q">&lt;script&gt;x()&lt;/script&gt; why?</div>'
    )
    turns = [{"question": "<b>q</b>", "answer": None, "error": "<i>bad</i>"}]
    messages = chat_messages(turns, pending="<svg onload=x()>")
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert all("<b>" not in m["content"] and "<i>" not in m["content"] for m in messages)
    assert "<svg" not in messages[2]["content"] and "&lt;svg" in messages[2]["content"]
    assert 'class="ab-error ab-turn-0">&lt;i&gt;bad&lt;/i&gt;' in messages[1]["content"]


def test_source_panel_escapes_and_marks_the_exact_span() -> None:
    text = "A <b>headline</b>\nSomeone said <script>x()</script> & more. Then a second line."
    start = text.index("Someone")
    end = text.index(" Then")
    article = Article(
        id="a.txt",
        title="<script>t()</script>",
        text=text,
        source_path="/x/a.txt",
        format="txt",
        url="javascript:alert(1)",
        source="<em>Wire</em>",
    )
    q = asdict(quote(2, text[start:end], at=text))
    out = render_source(article, [q], current=2)
    assert "<script" not in out and "<b>" not in out and "<em>" not in out
    assert "javascript:" not in out  # only http(s) URLs become links; others are dropped
    marked = re.findall(r'<mark class="ab-current" data-n="2">(.*?)</mark>', out, re.S)
    assert [html.unescape(m) for m in marked] == [text[start:end]]
    body = re.sub(r'<sup class="ab-mark-n">\[\d+\]</sup>', "", out.split('class="ab-text">')[1])
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", body)).startswith(text)


def test_source_panel_links_only_http_urls() -> None:
    article = Article("a.txt", "T", TEXT, "/x/a.txt", "txt", url='https://e.org/"x"')
    out = render_source(article, [], current=1)
    assert '<a href="https://e.org/&quot;x&quot;" target="_blank"' in out


# ---------------------------------------------------------------- highlights


def test_highlight_spans_are_exactly_the_quoted_text() -> None:
    said = "Sergey Lavrov said a ceasefire would only let Ukraine rearm."
    france = "He added that France should stay out of the talks."
    answer = answered(
        (quote(1, said), quote(2, france)), (source(1, "a.txt", (1, 2), title="Lavrov"),)
    )
    out = highlight(TEXT, answer["quotes"], current=2)
    marks = re.findall(r'<mark class="(ab-current)?" data-n="(\d)">(.*?)</mark>', out, re.S)
    assert [(cls, int(n), html.unescape(t)) for cls, n, t in marks] == [
        ("", 1, TEXT[answer["quotes"][0]["start"] : answer["quotes"][0]["end"]]),
        ("ab-current", 2, TEXT[answer["quotes"][1]["start"] : answer["quotes"][1]["end"]]),
    ]
    assert html.unescape(re.sub(r"<mark[^>]*>|</mark><sup[^>]*>\[\d\]</sup>", "", out)) == TEXT


def test_highlight_never_marks_a_wrong_span() -> None:
    """Overlapping, empty or out-of-range spans are left unmarked, the text untouched."""
    ok = {"n": 1, "start": 0, "end": 6}
    bad = [
        {"n": 2, "start": 3, "end": 9},  # overlaps [1]
        {"n": 3, "start": 10, "end": 10},
        {"n": 4, "start": 10, "end": len(TEXT) + 5},
    ]
    out = highlight(TEXT, [ok, *bad], current=1)
    assert re.findall(r'data-n="(\d)"', out) == ["1"]
    assert "<mark" not in highlight("<b>x</b>", bad, current=2)
    assert highlight("<b>x</b>", [], current=1) == esc("<b>x</b>")


# ---------------------------------------------------------------- refusals


def test_refusal_shows_why_and_escapes_the_folded_closest_passage() -> None:
    closest = quote(1, HOSTILE, title="<b>T</b>", at="abc" + HOSTILE)
    answer = refused(closest)
    out = render_answer(2, answer)
    assert 'class="ab-none ab-turn-2"' in out and esc(REASONS["nothing-close"]) in out
    assert "<strong>The articles don&#x27;t answer this.</strong>" in out
    assert "<script" not in out and "<b>T" not in out and "&lt;b&gt;T" in out
    assert re.search(r'<details class="ab-closest"><summary>Closest passage — not an answer', out)
    assert "<details open" not in out and "ab-cite" not in out  # folded, and no citation
    assert f"[3, {3 + len(HOSTILE)})" in out
    bare = render_answer(0, refused())
    assert "<details" not in bare and "Try other words" in bare


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_every_refusal_reason_is_shown(reason: str) -> None:
    out = render_answer(0, refused(reason=reason))
    assert f'<span class="ab-why">{esc(refusal_why(reason))}</span>' in out


# ---------------------------------------------------------------- counts and plurals


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ([[1]], "1 quote from 1 article"),
        ([[1, 2]], "2 quotes from 1 article"),
        ([[1, 2], [3]], "3 quotes from 2 articles"),
    ],
)
def test_quote_count_agrees_with_its_numbers(sources: list[list[int]], expected: str) -> None:
    lines = TEXT.splitlines()
    quotes = tuple(quote(n, lines[n], f"a{i}.txt") for i, ns in enumerate(sources) for n in ns)
    found = tuple(source(ns[0], f"a{i}.txt", tuple(ns)) for i, ns in enumerate(sources))
    answer = answered(quotes, found)
    assert quote_count(answer) == expected
    assert f'<div class="ab-count">{expected}</div>' in render_answer(0, answer)


def test_status_line_counts_agree() -> None:
    stats = {"articles": 1, "passages": 1, "model": "m", "built_at": "2025-01-02T03:04:05+00:00"}
    one = render_status(stats)
    assert "<b>1</b> article ·" in one and "<b>1</b> passage ·" in one
    assert "built 2025-01-02 03:04:05 UTC" in one
    many = render_status(stats | {"articles": 2, "passages": 0})
    assert "<b>2</b> articles" in many and "<b>0</b> passages" in many


def test_update_progress_and_summary_counts_agree() -> None:
    assert render_progress("embedding", 120, 480).startswith(
        "Updating the index: embedding 120/480 passages <progress"
    )
    assert '<progress value="120" max="480">' in render_progress("embedding", 120, 480)
    assert "entities 0/1 article <progress" in render_progress("entities", 0, 1)
    assert "entities 2/3 articles" in render_progress("entities", 2, 3)
    one = BuildReport(added=1, unchanged=1, passages_embedded=1, warnings=("<b>w</b>",))
    assert one.summary() == "added 1, updated 0, removed 0, unchanged 1; 1 passage embedded"
    lines = render_report(one)
    assert lines[0] == f"<b>Index updated:</b> {one.summary()}"
    assert lines[1] == "⚠ &lt;b&gt;w&lt;/b&gt;"
    assert BuildReport(passages_embedded=4).summary().endswith("4 passages embedded")


def test_no_count_is_followed_by_a_plural_of_one() -> None:
    """Whatever the UI writes with a count of one, the word is singular."""
    answer = answered((quote(1, TEXT.splitlines()[1]),), (source(1, "a.txt", (1,)),))
    stats = {"articles": 1, "passages": 1, "model": "m", "built_at": None}
    shown = [
        render_answer(0, answer),
        render_status(stats),
        render_progress("embedding", 1, 1),
        render_progress("entities", 1, 1),
        *render_report(BuildReport(added=1, passages_embedded=1)),
    ]
    for out in shown:
        assert not re.search(r"\b1(</b>)? (quotes|articles|passages)\b", out), out


def test_status_line_says_what_the_last_update_changed() -> None:
    """The manifest's last_build, in words whose plurals agree, zeros left out."""
    stats = {"articles": 14, "passages": 60, "model": "m", "built_at": "2025-01-02T14:02:05+00:00"}
    cases = {
        (12, 0, 0): "12 new articles",
        (1, 0, 0): "1 new article",
        (0, 2, 0): "2 changed",
        (0, 1, 1): "1 changed, 1 removed",
        (3, 1, 2): "3 new articles, 1 changed, 2 removed",
        (0, 0, 0): "no changes",
    }
    for (added, updated, removed), words in cases.items():
        last = {"added": added, "updated": updated, "removed": removed}
        out = render_status(stats | {"last_build": last})
        assert out == (
            '<div class="ab-status">Index: <b>14</b> articles · <b>60</b> passages · model m · '
            f"updated 2025-01-02 14:02:05 UTC: {words}</div>"
        )
    # an index written before builds recorded this, or a damaged record: as before
    for last in (None, "3", {"added": "<b>many</b>"}):
        out = render_status(stats | {"last_build": last})
        assert out.endswith("· built 2025-01-02 14:02:05 UTC</div>") and "many" not in out
    assert render_status(stats).endswith("· built 2025-01-02 14:02:05 UTC</div>")
