"""An article the seed collection lacks (a lighthouse), the question it answers, and
whether an answer cites an article: for builds that publish while questions are asked."""

from __future__ import annotations

from typing import Any

LIGHTHOUSE = (
    "Zorblat lighthouse gets a new lamp\n"
    "Keeper Ingrid Vasquez said the new lamp of the Zorblat lighthouse can be seen from "
    "forty-two kilometres away.\n"
)
LIGHTHOUSE_Q = "How far can the Zorblat lighthouse lamp be seen?"


def cites(answer: dict[str, Any], article_id: str) -> bool:
    return any(q["article_id"] == article_id for q in answer["quotes"])
