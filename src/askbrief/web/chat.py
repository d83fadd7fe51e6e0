"""The chat's two handlers: answering a question in the conversation (with its earlier
questions as history, and the dates under the question box), and showing a citation's
article in the source panel."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from askbrief.access.rules import Access
from askbrief.errors import AskbriefError, NoIndexError
from askbrief.web.api import user_of
from askbrief.web.backend import NO_INDEX, Backend, web_words
from askbrief.web.gradio_import import gr
from askbrief.web.input import BOX_NAMES, EMPTY_QUESTION, as_shown, dates, is_blank
from askbrief.web.quote_page import quote_links
from askbrief.web.render import Turn, chat_messages, render_error, render_source, source_box


def make_respond(
    backend: Backend, access: Access | None = None
) -> Callable[..., Iterator[tuple[Any, ...]]]:
    rules = access or Access()

    def respond(
        question: str,
        turns: list[Turn],
        since: str = "",
        until: str = "",
        as_of: str = "",
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Answer with the session's earlier questions as history, so follow-ups work, and
        the dates if any are given. A blank question gets a note, kept out of the
        conversation; one too long to ask is shown shortened beside its error."""
        question = (question or "").strip()
        if is_blank(question):
            note = {"role": "assistant", "content": render_error(EMPTY_QUESTION, len(turns))}
            yield [*chat_messages(turns), note], turns, ""
            return
        # echoed shortened if too long to ask; the whole question is still what is asked
        echo = as_shown(question)
        yield chat_messages(turns, pending=echo), turns, ""
        history = [t["question"] for t in turns]
        turn: Turn
        try:
            refusal = rules.question_refusal(user_of(request))
            if refusal:
                raise AskbriefError(refusal)
            answer = backend.ask(question, history, **dates(since, until, as_of, BOX_NAMES))
            turn = {"question": echo, "answer": answer}
        except NoIndexError:
            turn = {"question": echo, "answer": None, "error": NO_INDEX}
        except AskbriefError as err:
            turn = {"question": echo, "answer": None, "error": web_words(str(err))}
        turns = [*turns, turn]
        yield chat_messages(turns), turns, ""

    return respond


def make_show_source(backend: Backend) -> Callable[..., str]:
    def show_source(turns: list[Turn], evt: gr.EventData) -> str:
        """Citation [n] of answer `turn` -> its article with that answer's quotes marked."""
        try:
            turn, n = int(evt.turn), int(evt.n)
            answer = turns[turn]["answer"]
            quote = next(q for q in answer["quotes"] if q["n"] == n)
        except (AttributeError, IndexError, KeyError, StopIteration, TypeError, ValueError):
            return source_box(render_error("That citation is not in this conversation."))
        try:
            article = backend.article(quote["article_id"])
        except NoIndexError:
            return source_box(render_error(NO_INDEX))
        except AskbriefError as err:
            return source_box(render_error(web_words(str(err))))
        same = [q for q in answer["quotes"] if q["article_id"] == quote["article_id"]]
        if article.text[quote["start"] : quote["end"]] != quote["text"]:
            # The article changed since this answer (re-indexed); mark only what still matches.
            same = [q for q in same if article.text[q["start"] : q["end"]] == q["text"]]
        # the clicked quote's links even if its words left the article: its permalink
        # opens the version it was quoted from
        return render_source(article, same, n, quote_links(quote))

    return show_source
