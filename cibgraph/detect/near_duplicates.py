"""Near-duplicate perceptual hashes without comparing every pair.

The index is multi-index hashing (Norouzi, Punjani & Fleet, 2012): the 64
bits are cut into `BANDS` bands of 16 bits. If two hashes differ in at most
`d` bits, then by the pigeonhole principle at least one band differs in at
most `r = d // BANDS` bits. So each hash is looked up, band by band, under
every band value within `r` bits of its own (1 + 16 + ... probes), and only
the candidates found that way get a full Hamming distance. With d = 6 that
is r = 1: 17 probes per band, and two unrelated hashes meet with
probability about 4 x 17 / 65536 instead of always.

Pure functions over numpy arrays; no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import numpy.typing as npt

from cibgraph.detect.arrays import distinct, ranges

BANDS = 4
BAND_BITS = 64 // BANDS
_MASK = (1 << BAND_BITS) - 1


def to_unsigned(value: int) -> int:
    """A phash as an unsigned 64-bit integer (the graph stores it signed)."""
    return value & 0xFFFFFFFFFFFFFFFF


def hex_to_int(phash: str) -> int:
    return int(phash, 16)


def hamming(a: int, b: int) -> int:
    return (to_unsigned(a) ^ to_unsigned(b)).bit_count()


def _popcount64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    # bitwise_count exists from numpy 2.0; the byte view is the fallback.
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).astype(np.int64)
    return np.unpackbits(x.view(np.uint8)).reshape(-1, 64).sum(axis=1).astype(np.int64)


def _flip_masks(bits: int, radius: int) -> list[int]:
    masks = [0]
    for r in range(1, radius + 1):
        for combo in combinations(range(bits), r):
            m = 0
            for b in combo:
                m |= 1 << b
            masks.append(m)
    return masks


def near_duplicate_pairs(
    hashes: Sequence[int] | npt.NDArray[np.uint64], max_distance: int = 6
) -> list[tuple[int, int, int]]:
    """All index pairs `(i, j, distance)` with i < j and Hamming distance <= max_distance.

    `hashes` are 64-bit phashes (signed or unsigned Python ints, or a uint64
    array). Equal hashes at different indexes are pairs with distance 0.
    """
    ii, jj, dist = near_duplicate_arrays(hashes, max_distance)
    return [(int(a), int(b), int(d)) for a, b, d in zip(ii, jj, dist, strict=True)]


_Ints = npt.NDArray[np.int64]


def cluster_roots(n: int, ii: _Ints, jj: _Ints) -> _Ints:
    """For each of `n` indexes, the smallest index of its connected component under the pairs
    (igraph's components, in C: a viral picture re-encoded hundreds of times gives
    hundreds of thousands of pairs)."""
    import igraph

    roots = np.arange(n, dtype=np.int64)
    if n == 0 or len(ii) == 0:
        return roots
    g = igraph.Graph(n=n, edges=np.column_stack((ii, jj)).tolist())
    membership = np.asarray(g.connected_components().membership, dtype=np.int64)
    smallest = np.full(membership.max() + 1, n, dtype=np.int64)
    np.minimum.at(smallest, membership, roots)
    return smallest[membership]


def near_duplicate_arrays(
    hashes: Sequence[int] | npt.NDArray[np.uint64], max_distance: int = 6
) -> tuple[_Ints, _Ints, _Ints]:
    """`near_duplicate_pairs` as three arrays (i, j, distance), sorted by (i, j)."""
    empty = np.zeros(0, dtype=np.int64)
    if max_distance < 0:
        raise ValueError("max_distance must be >= 0")
    if isinstance(hashes, np.ndarray):
        h = hashes.astype(np.uint64)
    else:
        h = np.array([to_unsigned(int(x)) for x in hashes], dtype=np.uint64)
    n = len(h)
    if n < 2:
        return empty, empty, empty
    radius = max_distance // BANDS
    masks = np.array(_flip_masks(BAND_BITS, radius), dtype=np.uint64)
    found_i: list[npt.NDArray[np.int64]] = []
    found_j: list[npt.NDArray[np.int64]] = []
    for band in range(BANDS):
        shift = np.uint64(band * BAND_BITS)
        values = (h >> shift) & np.uint64(_MASK)
        order = np.argsort(values, kind="stable")
        # a band has 2**16 values: where each one's run starts in `order`, and its length,
        # are looked up, not searched (two binary searches per probe were 12 of 19 s on
        # 510,504 hashes)
        run = np.bincount(values.astype(np.int64), minlength=1 << BAND_BITS)
        start = np.cumsum(run) - run
        for m in masks:
            probe = (values ^ m).astype(np.int64)
            lo, counts = start[probe], run[probe]
            if not counts.any():
                continue
            src = np.repeat(np.arange(n, dtype=np.int64), counts)
            dst = order[ranges(lo, counts)]  # every position of each [lo, hi) run
            dst = dst.astype(np.int64)
            keep = src < dst
            src, dst = src[keep], dst[keep]
            # verify right away: almost every candidate is a chance band match
            close = _popcount64(h[src] ^ h[dst]) <= max_distance
            found_i.append(src[close])
            found_j.append(dst[close])
    if not found_i:
        return empty, empty, empty
    ii = np.concatenate(found_i)
    jj = np.concatenate(found_j)
    if len(ii) == 0:
        return empty, empty, empty
    # The same pair can be found through several bands: deduplicate.
    pair_codes = distinct(ii * n + jj)
    ii, jj = pair_codes // n, pair_codes % n
    return ii, jj, _popcount64(h[ii] ^ h[jj])


def brute_force_pairs(hashes: Sequence[int], max_distance: int = 6) -> list[tuple[int, int, int]]:
    """Reference implementation (every pair); for tests only."""
    out = []
    for i in range(len(hashes)):
        for j in range(i + 1, len(hashes)):
            d = hamming(hashes[i], hashes[j])
            if d <= max_distance:
                out.append((i, j, d))
    return out


class UnionFind:
    """Connected components of near-duplicate pairs ("the same picture")."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb
