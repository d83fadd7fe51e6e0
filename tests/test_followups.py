"""Follow-up questions on a real index: whether to answer is decided from the question alone,
so a conversation can neither make an unanswerable question answered nor change the quotes
of a question that stands on its own; earlier questions only help a dependent follow-up
("What did he call ...?") find its quotes. Checked through the library, the served app's
/ask endpoint and the chat in a real browser (Debian's Chromium), on two collections: the
shipped seed article alone, and the seed among unrelated articles written here."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import ARTIFACTS, SEED_FILE, CountingEmbedder
from playwright.sync_api import Browser, Page, expect
from test_ui_browser import SLOW, ask, new_chat, quote_texts
from ui_fixtures import serve

from askbrief import Answer, Index, Settings, build_index, open_index
from askbrief.records import refusal_why

UNANSWERABLE = "What is the price of tungsten?"
CEASEFIRE = "What did Lavrov call a ceasefire?"
FERRY = "When does the first harbour ferry leave?"  # unrelated to the seed
CHESS = "Who won the city chess open?"  # unrelated to the seed

# Short articles about nothing the seed is about (and nothing about metals or prices of them).
OTHERS = {
    "ferry-timetable.txt": """Harbour ferry adds an early sailing to its winter timetable
The Kestrel Bay harbour ferry will add a 6:15 a.m. sailing to its winter timetable from 4 November, the operator said on Tuesday.
The first ferry currently leaves the north pier at 7:00 a.m. and crosses to Gull Island in twenty-five minutes.
Weekend sailings will run every forty minutes between 8 a.m. and 6 p.m.
Adult single tickets stay at 3.40 euros, while children under twelve travel free.
The operator said the change follows requests from nurses and shift workers on the island.
""",
    "cheese-festival.txt": """Village cheese festival draws a record crowd
More than nine thousand visitors came to the Oberwald cheese festival on Saturday, a record for the three-day event.
Forty-two dairies from the valley offered tastings of hard mountain cheeses and fresh goat's cheese.
The prize for the best aged cheese went to a 36-month wheel from the Brunner family farm.
Organisers said the festival's fondue tent ran out of bread by mid-afternoon.
Next year's festival is planned for the first weekend of September.
""",
    "chess-open.txt": """Teenager wins the city chess open on tie-break
Fifteen-year-old Maya Lindqvist won the Harlow City Chess Open on Sunday after a tense final-round game.
She finished on seven points from nine games, level with grandmaster Piotr Adamek, and took the title on tie-break.
The tournament drew 184 players from eleven countries to the town hall.
Lindqvist said she had prepared a new opening with her coach for the last game.
The winner receives 2,000 pounds and a place in the national championship.
""",
}


@dataclass
class Collection:
    name: str
    settings: Settings
    index: Index


def spans(answer: Answer) -> list[tuple[str, int, int]]:
    return [(q.article_id, q.start, q.end) for q in answer.quotes]


def count_line(answer: Answer) -> str:
    n, m = len(answer.quotes), len(answer.sources)
    return f"{n} quote{'' if n == 1 else 's'} from {m} article{'' if m == 1 else 's'}"


@pytest.fixture(scope="module", params=["seed-alone", "seed-and-others"])
def collection(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    embedder: CountingEmbedder,
) -> Iterator[Collection]:
    """The shipped seed file (and, for the second, three articles written here), copied
    into a fresh folder and indexed once for the module."""
    root = tmp_path_factory.mktemp(request.param)
    articles = root / "articles"
    articles.mkdir()
    shutil.copy(SEED_FILE, articles / SEED_FILE.name)
    if request.param == "seed-and-others":
        for name, text in OTHERS.items():
            (articles / name).write_text(text, encoding="utf-8")
    settings = Settings.load(articles_dir=articles, index_dir=root / "index")
    build_index(settings, embedder)
    index = open_index(root / "index", embedder=embedder)
    yield Collection(request.param, settings, index)
    index.store.close()


# ---------------------------------------------------------------- the library


@pytest.mark.parametrize(
    "history",
    [[CEASEFIRE], [FERRY, CEASEFIRE], [CEASEFIRE, "What did he say about France?"]],
    ids=["after-ceasefire", "after-ferry-and-ceasefire", "after-ceasefire-and-france"],
)
def test_unanswerable_question_stays_refused_after_an_answered_one(
    collection: Collection, history: list[str]
) -> None:
    alone = collection.index.ask(UNANSWERABLE)
    assert not alone.answered and alone.quotes == ()
    assert collection.index.ask(CEASEFIRE).answered  # the history holds an answered question
    after = collection.index.ask(UNANSWERABLE, history=history)
    assert not after.answered and after.quotes == () and after.sources == ()
    assert after.to_dict() == alone.to_dict()  # refused exactly as alone: reason, closest


@pytest.mark.parametrize("earlier", [FERRY, CHESS, UNANSWERABLE])
def test_standalone_question_gives_the_same_quotes_after_an_unrelated_one(
    collection: Collection, earlier: str
) -> None:
    alone = collection.index.ask(CEASEFIRE)
    assert alone.answered
    assert any("road to nowhere" in q.text for q in alone.quotes)
    after = collection.index.ask(CEASEFIRE, history=[earlier])
    assert after.answered
    assert spans(after) == spans(alone)
    assert [q.text for q in after.quotes] == [q.text for q in alone.quotes]
    assert after.sources == alone.sources


def test_dependent_follow_up_quotes_the_seed(collection: Collection) -> None:
    answer = collection.index.ask(
        "What did he call a ceasefire?", history=["What did Sergey Lavrov say about Ukraine?"]
    )
    assert answer.answered, answer.to_dict()
    assert answer.quotes[0].article_id == SEED_FILE.name
    text = collection.index.article(SEED_FILE.name).text
    assert all(
        text[q.start : q.end] == q.text for q in answer.quotes if q.article_id == SEED_FILE.name
    )


# ---------------------------------------------------------------- the served app's /ask


@pytest.fixture(scope="module")
def live_url(collection: Collection, embedder: CountingEmbedder) -> Iterator[str]:
    from askbrief.web.blocks import make_app

    app = make_app(settings=collection.settings, embedder=embedder)
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def client(live_url: str) -> Any:
    from gradio_client import Client

    return Client(live_url, verbose=False)


def test_ask_endpoint_refuses_like_the_library(collection: Collection, client: Any) -> None:
    """/ask takes a question only (no history): it must match the library's answer alone,
    the baseline the chat's follow-ups are compared with below."""
    over_http = client.predict(UNANSWERABLE, api_name="/ask")
    assert over_http == collection.index.ask(UNANSWERABLE).to_dict()
    assert over_http["answered"] is False and over_http["quotes"] == []
    assert over_http["why"] == refusal_why(over_http["reason"], tuple(over_http["missing"]))
    assert over_http["closest"] is not None  # shown folded away, as "not an answer"


def test_ask_endpoint_answers_like_the_library(collection: Collection, client: Any) -> None:
    over_http = client.predict(CEASEFIRE, api_name="/ask")
    alone = collection.index.ask(CEASEFIRE)
    assert over_http == alone.to_dict()
    assert [(q["article_id"], q["start"], q["end"]) for q in over_http["quotes"]] == spans(alone)
    assert over_http["n_quotes"] == len(alone.quotes)
    assert over_http["n_articles"] == len(alone.sources)


# ---------------------------------------------------------------- the chat in a browser


@pytest.fixture(scope="module")
def page(browser: Browser, live_url: str, collection: Collection) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(SLOW)
    page.goto(live_url)
    n = len(list(collection.settings.articles_dir.iterdir()))
    expect(page.locator("#ab-status")).to_contain_text(f"{n} article{'' if n == 1 else 's'}")
    yield page
    page.close()


def test_chat_refuses_after_an_answered_question_and_says_why(
    page: Page, collection: Collection
) -> None:
    alone = collection.index.ask(UNANSWERABLE)
    assert alone.closest is not None
    new_chat(page)
    first = ask(page, CEASEFIRE)
    expect(first.locator("blockquote.ab-quote").first).to_be_visible()
    answer = ask(page, UNANSWERABLE)
    expect(answer).to_have_class(re.compile(r"\bab-none\b"))
    expect(answer).to_contain_text("The articles don't answer this.")
    expect(answer.locator(".ab-why")).to_have_text(alone.why)
    expect(answer.locator("blockquote")).to_have_count(0)
    expect(answer.locator("a.ab-cite")).to_have_count(0)
    closest = answer.locator("details.ab-closest")
    expect(closest).to_have_count(1)
    assert closest.get_attribute("open") is None
    assert closest.evaluate("el => el.open") is False
    expect(closest.locator("summary")).to_have_text("Closest passage — not an answer")
    expect(closest.locator(".ab-closest-text")).to_be_hidden()
    closest.locator("summary").click()
    expect(closest.locator(".ab-closest-text")).to_be_visible()
    expect(closest.locator(".ab-closest-text")).to_have_text(alone.closest.text.strip())
    expect(closest).to_contain_text(f"{alone.closest.title} [{alone.closest.start}, ")
    page.screenshot(path=str(ARTIFACTS / f"ui-refusal-{collection.name}.png"), full_page=True)


def test_chat_answers_a_standalone_question_after_an_unrelated_one_as_alone(
    page: Page, collection: Collection
) -> None:
    alone = collection.index.ask(CEASEFIRE)
    new_chat(page)
    ask(page, FERRY)
    answer = ask(page, CEASEFIRE)
    assert quote_texts(answer) == [q.text for q in alone.quotes]
    expect(answer.locator(".ab-count")).to_have_text(count_line(alone))
    expect(answer.locator(".ab-sources li")).to_have_count(len(alone.sources))


# ------------------------------------------------------ /ask_followup: a question and its history


FOLLOW_UP = "What did he call a ceasefire?"
ABOUT_LAVROV = "What did Sergey Lavrov say about Ukraine?"


def test_the_api_has_ask_with_a_question_and_ask_followup_with_a_history(client: Any) -> None:
    info = client.view_api(print_info=False, return_format="dict")
    (question,) = info["named_endpoints"]["/ask"]["parameters"]
    assert question["parameter_name"] == "question"
    question, history = info["named_endpoints"]["/ask_followup"]["parameters"]
    assert (question["parameter_name"], question["parameter_has_default"]) == ("question", False)
    assert history["parameter_name"] == "history"
    assert history["type"] == {"type": "array", "items": {"type": "string"}}


@pytest.mark.parametrize(
    "history",
    [[CEASEFIRE], [FERRY, CEASEFIRE], [CEASEFIRE, "What did he say about France?"]],
    ids=["after-ceasefire", "after-ferry-and-ceasefire", "after-ceasefire-and-france"],
)
def test_ask_endpoint_refuses_after_an_answered_question_as_alone(
    collection: Collection, client: Any, history: list[str]
) -> None:
    assert client.predict(CEASEFIRE, api_name="/ask")["answered"]  # the history is answerable
    alone = client.predict(UNANSWERABLE, api_name="/ask")
    after = client.predict(UNANSWERABLE, history, api_name="/ask_followup")
    assert after["answered"] is False and after["quotes"] == [] and after["sources"] == []
    assert after == alone == collection.index.ask(UNANSWERABLE).to_dict()
    assert (
        client.predict(UNANSWERABLE, history=history, api_name="/ask_followup") == alone
    )  # by name


@pytest.mark.parametrize("earlier", [FERRY, CHESS, UNANSWERABLE])
def test_ask_endpoint_gives_a_standalone_question_the_same_quotes_after_an_unrelated_one(
    collection: Collection, client: Any, earlier: str
) -> None:
    alone = client.predict(CEASEFIRE, api_name="/ask")
    assert alone["answered"] and any("road to nowhere" in q["text"] for q in alone["quotes"])
    after = client.predict(CEASEFIRE, [earlier], api_name="/ask_followup")
    assert after["answered"]
    assert after["quotes"] == alone["quotes"]
    assert after["sources"] == alone["sources"]
    assert after == alone == collection.index.ask(CEASEFIRE, history=[earlier]).to_dict()


def test_ask_endpoint_passes_the_history_to_a_dependent_follow_up(
    collection: Collection, client: Any
) -> None:
    """The history reaches the library: the follow-up over HTTP is the library's answer
    with that history, and its quotes come from the seed."""
    over_http = client.predict(FOLLOW_UP, [ABOUT_LAVROV], api_name="/ask_followup")
    assert over_http == collection.index.ask(FOLLOW_UP, history=[ABOUT_LAVROV]).to_dict()
    assert over_http["answered"] and over_http["quotes"][0]["article_id"] == SEED_FILE.name
    text = collection.index.article(SEED_FILE.name).text
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
