"""A refusal says what is true (issue 27, item 11): it used to say "Nothing in the articles
is close to the question" and then offer a "Closest passage". Every reason must stay true
beside the closest passage an answer carries. Through the CLI, plain and --json, on a real
index. (The UI's refusal, in a browser: tests/browser/test_ui_input.py.)

Here, what needs no model and no index; the rest: tests/system/test_refusal_words.py."""

from __future__ import annotations

from support.words import DENIES_CLOSENESS

from askbrief.records import REASONS


def test_no_reason_denies_the_closest_passage() -> None:
    for reason, why in REASONS.items():
        assert not DENIES_CLOSENESS.search(why), (reason, why)
