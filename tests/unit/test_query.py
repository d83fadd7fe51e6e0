"""Answers on real articles: the right quotes, exact spans, and abstention.

Here, what needs no model and no index; the rest: tests/index/test_query.py."""

from __future__ import annotations

import pytest

from askbrief.ask.ranking import (
    FeatureSet,
)


def test_feature_rows_are_built_and_read_by_name() -> None:
    """A row names every declared signal and no other; columns are read by name."""
    import numpy as np

    names = FeatureSet("a", "b", "c")
    assert names.row(c=3.0, a=1.0, b=2.0) == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match=r"missing \['c'\]"):
        names.row(a=1.0, b=2.0)
    with pytest.raises(ValueError, match=r"unknown \['d'\]"):
        names.row(a=1.0, b=2.0, c=3.0, d=4.0)
    m = names.matrix([names.row(a=1, b=2, c=3), names.row(a=4, b=5, c=6)])
    assert m.shape == (2, 3) and m.dtype == np.float64
    assert list(names.col(m, "b")) == [2.0, 5.0]
    assert names.col(m[1], "c") == 6.0
    with pytest.raises(ValueError, match="columns"):
        names.col(np.zeros((2, 4)), "a")
    with pytest.raises(ValueError, match="distinct"):
        FeatureSet("a", "a")
    empty = names.matrix([])
    assert empty.shape == (0, 3)
