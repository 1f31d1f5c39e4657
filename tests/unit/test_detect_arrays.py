"""`distinct` is `np.unique` by sorting."""

from __future__ import annotations

import numpy as np
import pytest

from cibgraph.detect.arrays import distinct, firsts, ranges


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


def test_firsts_marks_the_start_of_each_run() -> None:
    x = np.array([1, 1, 2, 5, 5, 5, 7], dtype=np.int64)
    assert firsts(x).tolist() == [True, False, True, True, False, False, True]
    assert firsts(np.zeros(0, np.int64)).tolist() == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ranges_equals_concatenated_aranges(seed: int) -> None:
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, 100, 50, dtype=np.int64)
    lengths = rng.integers(0, 6, 50, dtype=np.int64)
    want = np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths, strict=True)])
    assert np.array_equal(ranges(starts, lengths), want)
    assert len(ranges(starts[:0], lengths[:0])) == 0
