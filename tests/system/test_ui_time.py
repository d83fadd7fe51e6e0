"""Dates, time windows and sources that differ in the web UI: through the /ask_between API
and in a real browser (Debian's Chromium via Playwright), on dated articles.

Here, what needs a server, a child process or a slow build; the rest:
tests/browser/test_ui_time.py."""

from __future__ import annotations

import pytest
from support.dated import DEATHS


def test_ask_between_keeps_to_the_dates(dated_url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(dated_url, verbose=False)
    late = client.predict(DEATHS, "2024-02-10", "", api_name="/ask_between")
    assert late["answered"] and {q["article_id"] for q in late["quotes"]} == {"flood-2"}
    assert late["window"]["from"] == "2024-02-10" and late["window"]["undated"] == "included"
    assert late["sources_differ"] == []  # one article left: nothing to differ
    early = client.predict(DEATHS, "", "2024-02-10", api_name="/ask_between")
    assert {q["article_id"] for q in early["quotes"]} == {"flood-1"}
    with pytest.raises(AppError, match=r"since 'last tuesdayish' is not a date"):
        client.predict(DEATHS, "last tuesdayish", "", api_name="/ask_between")
