""".txt and .md articles are dated by what their top says (front matter, a dateline), so
time questions and "latest" count them; a year in the body never dates an article.

Here, what needs no model and no index; the rest: tests/index/test_datelines.py."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from askbrief.dates import text_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Title\nGLIMMERPORT, March 14, 2026 \u2014 The council voted.", "2026-03-14"),
        ("Title\nSPRINGFIELD, Ill., Sept. 14, 2026 -- The council voted.", "2026-09-14"),
        ("Title\nLONDON, Tuesday, 14th March 2026 (Reuters) - Body", "2026-03-14"),
        ("Title\n14 March 2026\nBody", "2026-03-14"),
        ("Title\n\n2026-03-14T10:05:00Z\nBody", "2026-03-14"),
        ("Title\nMarch 14, 2026, 10:05 GMT\nBody", "2026-03-14"),
        ("# Title\n\n*Published: March 14, 2026*\n\nBody", "2026-03-14"),
        ("---\ntitle: T\ndate: 2026-03-14 09:00:00 +0100\n---\n# T\n", "2026-03-14"),
        ('---\ndate: "14 March 2026"\n---\nBody', "2026-03-14"),
        # a year, or a date inside a sentence, is not the article's date
        ("Title\nThe 2027 festival will move to April.", None),
        ("Title\nOn March 14, 2026 the council voted.", None),
        ("Title\nMarch 14, 2026 was the coldest day.", None),
        ("Title\nIn March 2026 the council voted.", None),
        ("Title\nDates: 2024-01-05 and 2024-02-01", None),
        ("Title\nGLIMMERPORT, February 30, 2026 \u2014 no such day", None),
        ("One\nTwo\nThree\nFour\nFive\n14 March 2026\n", None),  # below the first five lines
        ("---\ntitle: no date here\n---\nBody", None),
    ],
)
def test_the_date_an_article_states_at_its_top(text: str, expected: str | None) -> None:
    assert text_date(text) == expected


@given(st.text())
def test_any_text_gives_a_real_date_or_none(text: str) -> None:
    found = text_date(text)
    assert found is None or date.fromisoformat(found).isoformat() == found
