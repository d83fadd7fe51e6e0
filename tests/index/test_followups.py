"""Follow-up questions on a real index: whether to answer is decided from the question alone,
so a conversation can neither make an unanswerable question answered nor change the quotes
of a question that stands on its own; earlier questions only help a dependent follow-up
("What did he call ...?") find its quotes. Checked through the library, the served app's
/ask endpoint and the chat in a real browser (Debian's Chromium), on two collections: the
shipped seed article alone, and the seed among unrelated articles written here.

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/browser/test_followups.py, tests/system/test_followups.py."""

from __future__ import annotations

import pytest
from support.common import SEED_FILE
from support.followups import CEASEFIRE, CHESS, FERRY, UNANSWERABLE, Collection, spans

# ---------------------------------------------------------------- the library


@pytest.mark.parametrize(
    "history",
    [[CEASEFIRE], [FERRY, CEASEFIRE], [CEASEFIRE, "What did he say about France?"]],
    ids=["after-ceasefire", "after-ferry-and-ceasefire", "after-ceasefire-and-france"],
)
def test_unanswerable_question_stays_refused_after_an_answered_one(
    followup_collection: Collection, history: list[str]
) -> None:
    alone = followup_collection.index.ask(UNANSWERABLE)
    assert not alone.answered and alone.quotes == ()
    assert followup_collection.index.ask(
        CEASEFIRE
    ).answered  # the history holds an answered question
    after = followup_collection.index.ask(UNANSWERABLE, history=history)
    assert not after.answered and after.quotes == () and after.sources == ()
    assert after.to_dict() == alone.to_dict()  # refused exactly as alone: reason, closest


@pytest.mark.parametrize("earlier", [FERRY, CHESS, UNANSWERABLE])
def test_standalone_question_gives_the_same_quotes_after_an_unrelated_one(
    followup_collection: Collection, earlier: str
) -> None:
    alone = followup_collection.index.ask(CEASEFIRE)
    assert alone.answered
    assert any("road to nowhere" in q.text for q in alone.quotes)
    after = followup_collection.index.ask(CEASEFIRE, history=[earlier])
    assert after.answered
    assert spans(after) == spans(alone)
    assert [q.text for q in after.quotes] == [q.text for q in alone.quotes]
    assert after.sources == alone.sources


def test_dependent_follow_up_quotes_the_seed(followup_collection: Collection) -> None:
    answer = followup_collection.index.ask(
        "What did he call a ceasefire?", history=["What did Sergey Lavrov say about Ukraine?"]
    )
    assert answer.answered, answer.to_dict()
    assert answer.quotes[0].article_id == SEED_FILE.name
    text = followup_collection.index.article(SEED_FILE.name).text
    assert all(
        text[q.start : q.end] == q.text for q in answer.quotes if q.article_id == SEED_FILE.name
    )
