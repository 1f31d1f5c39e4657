"""`distinct` is `np.unique` by sorting."""

from __future__ import annotations

import numpy as np
import pytest

from cibgraph.detect.arrays import distinct


@pytest.mark.parametrize("n", [0, 1, 2, 7, 10_000])
def test_distinct_equals_unique(n: int) -> None:
    rng = np.random.default_rng(n)
    for high in (3, 2**40):
        x = rng.integers(0, high, n, dtype=np.int64)
        before = x.copy()
        got = distinct(x)
        assert got.dtype == np.int64
        assert np.array_equal(got, np.unique(x))
        assert np.array_equal(x, before)  # sorted in a copy, not in place
