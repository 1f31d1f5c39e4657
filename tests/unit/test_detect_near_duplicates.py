"""The near-duplicate index against brute force (pure, no database)."""

from __future__ import annotations

import random

import pytest

from cibgraph.detect.near_duplicates import (
    BANDS,
    UnionFind,
    brute_force_pairs,
    hamming,
    near_duplicate_pairs,
)


def _flip(h: int, bits: list[int]) -> int:
    for b in bits:
        h ^= 1 << b
    return h


@pytest.mark.parametrize("max_distance", [0, 3, 6, 9])
def test_index_finds_exactly_the_brute_force_pairs(max_distance: int) -> None:
    rng = random.Random(max_distance)
    hashes = []
    for _ in range(60):
        base = rng.getrandbits(64)
        hashes.append(base)
        for _ in range(rng.randint(0, 4)):
            hashes.append(_flip(base, rng.sample(range(64), rng.randint(0, 12))))
    # signed values, as the graph stores them, must work too
    signed = [h - (1 << 64) if h >= 1 << 63 else h for h in hashes]
    got = near_duplicate_pairs(signed, max_distance)
    assert sorted(got) == sorted(brute_force_pairs(hashes, max_distance))
    assert got, "the test data should contain near duplicates"


def test_distance_is_hamming_and_bands_cover_the_word() -> None:
    assert hamming(0, -1) == 64
    assert near_duplicate_pairs([0b1011, 0b0000], 3) == [(0, 1, 3)]
    assert near_duplicate_pairs([0b1011, 0b0000], 2) == []
    assert 64 % BANDS == 0


def test_no_pairs_for_fewer_than_two_and_negative_distance() -> None:
    assert near_duplicate_pairs([5], 6) == []
    with pytest.raises(ValueError):
        near_duplicate_pairs([1, 2], -1)


def test_union_find_components() -> None:
    uf = UnionFind(5)
    uf.union(3, 4)
    uf.union(4, 1)
    assert uf.find(3) == uf.find(1) == 1
    assert uf.find(0) != uf.find(2)


def test_cluster_roots_are_the_smallest_index_of_each_component() -> None:
    import numpy as np

    from cibgraph.detect.near_duplicates import cluster_roots

    ii = np.array([1, 4, 2], dtype=np.int64)
    jj = np.array([3, 5, 3], dtype=np.int64)
    assert cluster_roots(7, ii, jj).tolist() == [0, 1, 1, 1, 4, 4, 6]
    assert cluster_roots(3, ii[:0], jj[:0]).tolist() == [0, 1, 2]
