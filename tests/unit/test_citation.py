"""Permalinks: made and read back for any article id, bad links a one-line error; the
diff between two versions is by sentence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from askbrief.ask.citation import (
    Citation,
    is_permalink,
    parse_permalink,
    permalink,
    sentence_diff,
)
from askbrief.errors import AskbriefError


@given(
    article_id=st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s),
    version=st.text(alphabet="0123456789abcdef", min_size=12, max_size=12),
    start=st.integers(0, 10**6),
    length=st.integers(1, 10**4),
    base=st.sampled_from(["", "https://news.example.org/askbrief", "http://127.0.0.1:7860/"]),
)
def test_a_permalink_reads_back_as_its_citation(
    article_id: str, version: str, start: int, length: int, base: str
) -> None:
    link = permalink(article_id, version, start, start + length, base)
    assert is_permalink(link)
    assert parse_permalink(link) == Citation(article_id, version, start, start + length)
    assert link.startswith(base.rstrip("/") + "/quote?")


def test_an_id_with_slashes_ampersands_and_spaces_survives() -> None:
    link = permalink("world/a&b c.txt", "0123456789ab", 5, 9)
    assert "&b" not in link.split("article=")[1].split("&")[0]
    assert parse_permalink(link).article_id == "world/a&b c.txt"


@pytest.mark.parametrize(
    "bad, says",
    [
        ("https://example.org/other?article=a&version=v&span=1-2", "not a quote link"),
        ("/quote?article=a&version=v", "not a whole quote link"),
        ("/quote?article=a&version=v&span=x-2", "not a whole quote link"),
        ("/quote?article=a&version=v&span=5-2", "names no article, version or span"),
        ("/quote?article=&version=v&span=1-2", "names no article, version or span"),
        ("/quote?article=a&article=b&version=v&span=1-2", "not a whole quote link"),
    ],
)
def test_a_bad_link_is_one_line_saying_what_a_link_looks_like(bad: str, says: str) -> None:
    with pytest.raises(AskbriefError) as err:
        parse_permalink(bad)
    message = str(err.value)
    assert says in message and "\n" not in message
    assert "/quote?article=ID&version=V&span=START-END" in message


def test_the_diff_is_one_sentence_a_line() -> None:
    old = "The ferry left at noon. It carried 40 cars. The crossing took 22 minutes."
    new = "The ferry left at noon. It carried 45 cars. The crossing took 22 minutes."
    lines = sentence_diff(old, new, "a1", "b2")
    assert "-It carried 40 cars." in lines and "+It carried 45 cars." in lines
    assert not any("ferry left" in line and line[0] in "+-" for line in lines)
    assert sentence_diff(old, old) == []


def test_a_quote_partly_deleted_points_at_what_is_left_not_at_its_neighbour() -> None:
    from askbrief.ask.citation import _most_like

    quoted = "The pier reopens on Monday. The mayor called it a great day for the town."
    now = "The harbour guild met on Sunday. The pier reopens on Tuesday. Tickets cost four euros."
    span = _most_like(now, quoted)
    assert span is not None and now[span[0] : span[1]] == "The pier reopens on Tuesday."
    assert _most_like("Nothing here is like it at all, truly.", quoted) is None
    both = "The pier reopens on Tuesday. The mayor called it a fine day for the town."
    span = _most_like(both, quoted)
    assert span == (0, len(both))
