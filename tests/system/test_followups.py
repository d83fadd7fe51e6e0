"""Follow-up questions on a real index: whether to answer is decided from the question alone,
so a conversation can neither make an unanswerable question answered nor change the quotes
of a question that stands on its own; earlier questions only help a dependent follow-up
("What did he call ...?") find its quotes. Checked through the library, the served app's
/ask endpoint and the chat in a real browser (Debian's Chromium), on two collections: the
shipped seed article alone, and the seed among unrelated articles written here.

Here, what needs a server, a child process or a slow build; the rest:
tests/browser/test_followups.py, tests/index/test_followups.py."""

from __future__ import annotations

from typing import Any

import pytest
from support.common import SEED_FILE
from support.followups import CEASEFIRE, CHESS, FERRY, UNANSWERABLE, Collection, spans

from askbrief.records import refusal_why


@pytest.fixture(scope="module")
def client(followup_url: str) -> Any:
    from gradio_client import Client

    return Client(followup_url, verbose=False)


def test_ask_endpoint_refuses_like_the_library(
    followup_collection: Collection, client: Any
) -> None:
    """/ask takes a question only (no history): it must match the library's answer alone,
    the baseline the chat's follow-ups are compared with below."""
    over_http = client.predict(UNANSWERABLE, api_name="/ask")
    assert over_http == followup_collection.index.ask(UNANSWERABLE).to_dict()
    assert over_http["answered"] is False and over_http["quotes"] == []
    assert over_http["why"] == refusal_why(over_http["reason"], tuple(over_http["missing"]))
    assert over_http["closest"] is not None  # shown folded away, as "not an answer"


def test_ask_endpoint_answers_like_the_library(
    followup_collection: Collection, client: Any
) -> None:
    over_http = client.predict(CEASEFIRE, api_name="/ask")
    alone = followup_collection.index.ask(CEASEFIRE)
    assert over_http == alone.to_dict()
    assert [(q["article_id"], q["start"], q["end"]) for q in over_http["quotes"]] == spans(alone)
    assert over_http["n_quotes"] == len(alone.quotes)
    assert over_http["n_articles"] == len(alone.sources)


# ------------------------------------------------------ /ask_followup: a question and its history


FOLLOW_UP = "What did he call a ceasefire?"
ABOUT_LAVROV = "What did Sergey Lavrov say about Ukraine?"


def test_the_api_has_ask_with_a_question_and_ask_followup_with_a_history(client: Any) -> None:
    info = client.view_api(print_info=False, return_format="dict")
    question, as_of = info["named_endpoints"]["/ask"]["parameters"]
    assert question["parameter_name"] == "question"
    assert (as_of["parameter_name"], as_of["parameter_has_default"]) == ("as_of", True)
    question, history, as_of = info["named_endpoints"]["/ask_followup"]["parameters"]
    assert (question["parameter_name"], question["parameter_has_default"]) == ("question", False)
    assert history["parameter_name"] == "history"
    assert history["type"] == {"type": "array", "items": {"type": "string"}}
    assert (as_of["parameter_name"], as_of["parameter_has_default"]) == ("as_of", True)


@pytest.mark.parametrize(
    "history",
    [[CEASEFIRE], [FERRY, CEASEFIRE], [CEASEFIRE, "What did he say about France?"]],
    ids=["after-ceasefire", "after-ferry-and-ceasefire", "after-ceasefire-and-france"],
)
def test_ask_endpoint_refuses_after_an_answered_question_as_alone(
    followup_collection: Collection, client: Any, history: list[str]
) -> None:
    assert client.predict(CEASEFIRE, api_name="/ask")["answered"]  # the history is answerable
    alone = client.predict(UNANSWERABLE, api_name="/ask")
    after = client.predict(UNANSWERABLE, history, api_name="/ask_followup")
    assert after["answered"] is False and after["quotes"] == [] and after["sources"] == []
    assert after == alone == followup_collection.index.ask(UNANSWERABLE).to_dict()
    assert (
        client.predict(UNANSWERABLE, history=history, api_name="/ask_followup") == alone
    )  # by name


@pytest.mark.parametrize("earlier", [FERRY, CHESS, UNANSWERABLE])
def test_ask_endpoint_gives_a_standalone_question_the_same_quotes_after_an_unrelated_one(
    followup_collection: Collection, client: Any, earlier: str
) -> None:
    alone = client.predict(CEASEFIRE, api_name="/ask")
    assert alone["answered"] and any("road to nowhere" in q["text"] for q in alone["quotes"])
    after = client.predict(CEASEFIRE, [earlier], api_name="/ask_followup")
    assert after["answered"]
    assert after["quotes"] == alone["quotes"]
    assert after["sources"] == alone["sources"]
    assert after == alone == followup_collection.index.ask(CEASEFIRE, history=[earlier]).to_dict()


def test_ask_endpoint_passes_the_history_to_a_dependent_follow_up(
    followup_collection: Collection, client: Any
) -> None:
    """The history reaches the library: the follow-up over HTTP is the library's answer
    with that history, and its quotes come from the seed."""
    over_http = client.predict(FOLLOW_UP, [ABOUT_LAVROV], api_name="/ask_followup")
    assert over_http == followup_collection.index.ask(FOLLOW_UP, history=[ABOUT_LAVROV]).to_dict()
    assert over_http["answered"] and over_http["quotes"][0]["article_id"] == SEED_FILE.name
    text = followup_collection.index.article(SEED_FILE.name).text
    for q in over_http["quotes"]:
        if q["article_id"] == SEED_FILE.name:
            assert text[q["start"] : q["end"]] == q["text"]
    assert client.predict(FOLLOW_UP, [], api_name="/ask_followup") == client.predict(
        FOLLOW_UP, api_name="/ask"
    )  # an empty history is the question alone


@pytest.mark.parametrize(
    ("history", "named"),
    [
        (5, "history is 5 (int), not a list"),
        (CEASEFIRE, f"history is {CEASEFIRE!r} (str), not a list"),
        ({"q": CEASEFIRE}, "(dict), not a list"),
        (None, "history is None (NoneType), not a list"),
        ([CEASEFIRE, 3], "history[1] is 3 (int), not a question"),
        ([[CEASEFIRE]], "history[0] is ['What did Lavrov call a ceasefire?'] (list)"),
    ],
    ids=["number", "string", "object", "null", "list-with-number", "nested-list"],
)
def test_ask_endpoint_rejects_a_bad_history_with_one_line(
    client: Any, history: Any, named: str, capfd: pytest.CaptureFixture[str]
) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as err:
        client.predict(CEASEFIRE, history, api_name="/ask_followup")
    message = str(err.value)
    assert named in message, message
    assert "give a list of earlier questions as strings, oldest first" in message
    assert "\n" not in message
    assert client.predict(CEASEFIRE, api_name="/ask")["answered"]  # the server is fine
    assert "Traceback" not in capfd.readouterr().err


def test_ask_endpoint_reports_an_unusable_question_without_a_traceback(
    client: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="question is empty"):
        client.predict("   ", api_name="/ask")
    for history in ([], [CEASEFIRE]):
        with pytest.raises(AppError, match="question is empty"):
            client.predict("   ", history, api_name="/ask_followup")
    assert "Traceback" not in capfd.readouterr().err
