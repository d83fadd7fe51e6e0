"""The unit tier loads no model: a unit test that asks for one fails, saying where it goes."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def embedder() -> None:
    pytest.fail("a unit test loads no model: move it to tests/index (see tests/README.md)")
