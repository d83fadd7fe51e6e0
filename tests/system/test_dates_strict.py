"""Dates typed as dates (issue 27, item 6): --since, --until and --as-of in the CLI, and the
since/until of the /ask_between API, take YYYY-MM-DD and nothing else. 2026-13-01 is an
error, not 13 January; "yesterday" or "12 Feb 2024" in a date field is an error, not a
guess. Each error is one line naming the value and the format, in the caller's own words.
The question's own time words ("this week") are still read as before.

(The UI's From and To boxes, in a real browser: tests/browser/test_ui_input.py.)

Here, what needs a server, a child process or a slow build; the rest:
tests/index/test_dates_strict.py, tests/unit/test_dates_strict.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.common import CountingEmbedder
from support.dated import DEATHS, FORMAT
from support.web import serve

from askbrief.config import Settings


@pytest.fixture(scope="module")
def client(dated_settings: Settings, embedder: CountingEmbedder) -> Iterator[Any]:
    from gradio_client import Client

    from askbrief.web.blocks import make_app

    with serve(make_app(settings=dated_settings, embedder=embedder)) as url:
        yield Client(url, verbose=False)


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("2026-13-01", "", f"since '2026-13-01' is not a date; {FORMAT}"),
        ("", "yesterday", f"until 'yesterday' is not a date; {FORMAT}"),
        ("", "2024-02-30", f"until '2024-02-30' is not a date; {FORMAT}"),
        ("2024-02-16", "2024-02-10", "since 2024-02-16 is after until 2024-02-10; swap them"),
    ],
)
def test_ask_between_takes_only_yyyy_mm_dd(
    client: Any, since: str, until: str, message: str
) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as caught:
        client.predict(DEATHS, since, until, api_name="/ask_between")
    assert str(caught.value) == message
    assert "--" not in str(caught.value)  # the API's words, not the CLI's


def test_ask_between_good_dates(client: Any) -> None:
    early = client.predict(DEATHS, " 2024-02-01 ", "2024-02-10", api_name="/ask_between")
    assert early["answered"] and {q["article_id"] for q in early["quotes"]} == {"flood-1"}
    assert early["window"]["from"] == "2024-02-01" and early["window"]["to"] == "2024-02-10"
    assert "--" not in early["window"]["label"]
