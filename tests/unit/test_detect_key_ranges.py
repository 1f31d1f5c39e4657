"""Caption-key ranges: every key, hex or not, falls in exactly one; hex keys spread evenly."""

from __future__ import annotations

import hashlib
import random
from collections import Counter

import pytest

from cibgraph.detect.key_ranges import KeyRange, key_ranges


def _range_of(key: str, ranges: list[KeyRange]) -> int:
    hits = [
        n
        for n, r in enumerate(ranges)
        if (r.lo is None or key >= r.lo) and (r.hi is None or key < r.hi)
    ]
    assert len(hits) == 1, (key, hits)
    return hits[0]


@pytest.mark.parametrize(
    ("posts", "count"),
    [(0, 1), (250_000, 1), (250_001, 16), (4_000_000, 16), (10_000_000, 256), (10**12, 65536)],
)
def test_how_many_ranges(posts: int, count: int) -> None:
    assert len(key_ranges(posts)) == count


def test_every_key_falls_in_exactly_one_range() -> None:
    ranges = key_ranges(10_000_000)
    assert ranges[0].lo is None and ranges[-1].hi is None
    assert all(a.hi == b.lo for a, b in zip(ranges, ranges[1:], strict=False))
    odd = ["", "0", "00", "ff", "ffff", "fg", "G1", "zz", "~", "é", "\U0001f600", "a" * 50]
    for key in odd:
        _range_of(key, ranges)


def test_sha1_keys_spread_evenly() -> None:
    rng = random.Random(3)
    keys = [hashlib.sha1(str(rng.random()).encode()).hexdigest() for _ in range(51_200)]
    ranges = key_ranges(10_000_000)
    sizes = Counter(_range_of(k, ranges) for k in keys)
    assert len(sizes) == 256
    assert 120 < min(sizes.values()) and max(sizes.values()) < 280  # 200 each on average


def test_where_and_params_name_only_the_bounds_they_have() -> None:
    assert KeyRange(None, None).where("p.k") == "p.k IS NOT NULL"
    assert KeyRange(None, None).params() == {}
    middle = KeyRange("0a", "0b")
    assert middle.where("p.k") == "p.k IS NOT NULL AND p.k >= $lo AND p.k < $hi"
    assert middle.params() == {"lo": "0a", "hi": "0b"}
    assert KeyRange("ff", None).params() == {"lo": "ff"}


def test_per_read_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        key_ranges(10, 0)
