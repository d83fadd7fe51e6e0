"""What the front ends must (and must not) say, shared by the CLI, API and page tests."""

from __future__ import annotations

import re

EMPTY = "the question is empty; ask something"
# "Nothing ... is close", "No article ... is close to it": untrue beside a closest passage
DENIES_CLOSENESS = re.compile(r"\b(?:nothing|no)\b[^.]*\bclose\b", re.I)
