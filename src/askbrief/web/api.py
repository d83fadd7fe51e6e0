"""The web UI's public HTTP API: /ask, /ask_followup and /ask_between, each taking an
optional `as_of` last. Their docstrings and type hints are the API page. Also the two helpers
every Gradio handler uses: a caller's mistake as a one-line error, and who is calling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from askbrief.access.rules import Access
from askbrief.errors import AskbriefError, NoIndexError
from askbrief.web.backend import Backend, web_words
from askbrief.web.gradio_import import gr
from askbrief.web.input import API_NAMES, dates, describe_value

API_NO_INDEX = "there is no index yet: an editor must add articles first"


def rejected(message: str) -> gr.Error:
    """A caller's mistake: a one-line error for the caller, no traceback on the console."""
    return gr.Error(message, print_exception=False)


def user_of(request: gr.Request | None) -> str | None:
    """The name Gradio signed this caller in with; None without sign-in."""
    return getattr(request, "username", None) if request is not None else None


def make_api(backend: Backend, access: Access | None = None) -> tuple[Callable[..., Any], ...]:
    """The public endpoints' functions: (ask, ask_followup, ask_between)."""
    rules = access or Access()

    def answer(
        question: object,
        history: list[str],
        since: object = "",
        until: object = "",
        as_of: object = "",
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        if not isinstance(question, str):
            raise rejected(
                f"question is {describe_value(question)}, not text; ask e.g. "
                '"What did Lavrov say about France?"'
            )
        refusal = rules.question_refusal(user_of(request))
        if refusal:
            raise rejected(refusal)
        try:
            return backend.ask(question, history, **dates(since, until, as_of, API_NAMES))
        except NoIndexError:
            raise rejected(API_NO_INDEX) from None
        except AskbriefError as err:
            raise rejected(web_words(str(err))) from None

    def ask(question: str, as_of: str = "", request: gr.Request | None = None) -> dict[str, Any]:
        """Answer a question from the articles with verbatim, cited quotes, as JSON:
        `answered`, `message`, `quotes` (each with its text, `article_id`, `title` and the
        span [`start`, `end`) of the text in its article) and `sources`; a refusal says
        `why` and may give the `closest` passage, which is not an answer. `as_of`
        (YYYY-MM-DD, optional) is the date "this week" or "latest" in the question count
        from; by default the app's (--as-of), else the newest article's date."""
        return answer(question, [], as_of=as_of, request=request)

    def ask_followup(
        question: str, history: list[str], as_of: str = "", request: gr.Request | None = None
    ) -> dict[str, Any]:
        """The same for a question asked after others: `history` holds the conversation's
        earlier questions, oldest first. They only help a follow-up that leans on them
        ("What did he call a ceasefire?"); whether to answer, and the quotes of a question
        that stands on its own, come from the question alone."""
        give = 'give a list of earlier questions as strings, oldest first, e.g. ["Who is Lavrov?"]'
        if not isinstance(history, list):
            raise rejected(f"history is {describe_value(history)}, not a list; {give}")
        for i, earlier in enumerate(history):
            if not isinstance(earlier, str):
                raise rejected(f"history[{i}] is {describe_value(earlier)}, not a question; {give}")
        return answer(question, history, as_of=as_of, request=request)

    def ask_between(
        question: str,
        since: str,
        until: str,
        as_of: str = "",
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        """The same, kept to articles dated from `since` to `until` (YYYY-MM-DD; "" leaves
        that side open). Undated articles always stay in; the answer's `window` says so."""
        return answer(question, [], since, until, as_of, request)

    return ask, ask_followup, ask_between
