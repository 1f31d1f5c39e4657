"""`coordination.co_actions` on the action columns, with numpy: the same pairs, co-actions
and sharers, without a Python step per action or per candidate.

`co_actions` walks each item's actions in Python, which on 2.5 million IRA-shaped posts
(283,478 items, 652,802 actions) took 3.3 s, most of it per item, not per co-action. Here
every item is swept at once, in batches of whole items:

1. For each action j, the earlier actions k of its item within the window are the rows
   from the first with t >= t_j - window up to j (one `searchsorted` on (item, time)).
2. Candidates (k, j) of two different accounts become (item, a, b, dt, row of a's action,
   row of b's action), a < b by account code, which orders like account ids; the least
   (dt, row a, row b) per (item, a, b) is the pair's closest co-action there, with the
   ties `co_actions` breaks by position (rows follow the positions within an item).
3. Bursts (wide scales, see `coordination`): a co-action is in a burst at scale s when an
   action of a third account lies within s of the span between its two actions. The
   nearest such action on either side is found by hopping over runs of the pair's own
   accounts, vectorised, for every co-action at once; the hops stop past the widest scale.

`co_action_pairs` turns the columns into `co_actions`' `(pairs, sharers)`, and
`PairTable` reads `coordination.scale_evidence` from them for every pair and scale at
once; the tests hold both equal to the tuple-walking functions on random and planted
actions. Building a Python object per co-action and scale cost more than finding the
co-actions (2.5 million posts: 2.4 s to make `co_actions`' dicts from 0.3 s of columns),
so `PairTable` gives each pair's totals per scale and builds a pair's full evidence only
for the scale its edge is scored on. Pure functions; no database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cibgraph.detect.actions import ItemActions
from cibgraph.detect.arrays import firsts, ranges
from cibgraph.detect.coordination import SHORT_SCALE, CoAction, Pair, PairEvidence

I64 = npt.NDArray[np.int64]
# Candidate (k, j) pairs made at a time: a few int64 arrays of that length.
CANDIDATES = 1_000_000


@dataclass
class CoActionColumns:
    """One row per (pair, item): the pair's closest co-action on the item, sorted by
    (a, b, item). `a`, `b` are account codes (a < b), `item` item codes, `row_a`/`row_b`
    the rows of the two actions in the `ItemActions` columns."""

    a: I64
    b: I64
    item: I64
    dt: I64
    row_a: I64
    row_b: I64
    burst: I64  # the narrowest wide scale with a burst around the co-action, 0 for none

    def __len__(self) -> int:
        return len(self.item)

    def pair_runs(self) -> tuple[I64, I64]:
        """(start, end) rows of each pair's run (the rows are sorted by pair)."""
        starts = np.flatnonzero(firsts(self.a) | firsts(self.b))
        return starts, np.append(starts[1:], len(self.a))


def _empty() -> CoActionColumns:
    z = np.zeros(0, dtype=np.int64)
    return CoActionColumns(z, z, z, z, z, z, z)


def co_action_columns(
    by_item: ItemActions,
    max_window: int,
    *,
    max_sharers: int | None = None,
    scales: Sequence[int] = (),
    check: Callable[[str], None] | None = None,
) -> CoActionColumns:
    """Every pair's closest co-action per item within `max_window` seconds (as
    `coordination.co_actions`), as columns."""
    if max_window < 0:
        raise ValueError("max_window must not be negative")
    n_items = len(by_item.item_keys)
    if by_item.actions == 0:
        return _empty()
    t = by_item.t
    acc = by_item.account.astype(np.int64)
    n_acc = max(1, len(by_item.accounts))
    offsets = by_item.offsets
    sizes = np.diff(offsets)
    sharers = by_item.sharers()
    keep = sharers >= 2
    if max_sharers is not None:
        keep &= sharers <= max_sharers
    wide = sorted(s for s in scales if s > SHORT_SCALE)
    top = wide[-1] if wide else 0
    # (item, time) as one sortable int64: each item's times shifted into a span of its own,
    # with room below for t - window and above for t + top
    t0 = int(t.min())
    room = max_window + top + 1
    span = int(t.max()) - t0 + 2 * room + 1
    if n_items * span >= 2**62 or n_acc**2 >= 2**62:
        raise ValueError("times or accounts too many to key as one int64")
    item_of_row = np.repeat(np.arange(n_items, dtype=np.int64), sizes)
    when = item_of_row * span + (t - t0 + room)
    start = np.searchsorted(when, when - max_window, side="left")
    count = np.arange(len(t), dtype=np.int64) - start
    count[~keep[item_of_row]] = 0

    parts: list[tuple[I64, I64, I64, I64, I64, I64]] = []
    # whole items per batch, about CANDIDATES candidates each
    per_item = np.add.reduceat(count, offsets[:-1]) if n_items else count[:0]
    per_item[sizes == 0] = 0
    cuts = np.searchsorted(
        np.cumsum(per_item), np.arange(CANDIDATES, int(per_item.sum()), CANDIDATES)
    )
    bounds = [0, *np.unique(np.append(cuts + 1, n_items)).tolist()]
    for lo_item, hi_item in zip(bounds[:-1], bounds[1:], strict=True):
        if check is not None:
            check("co_posting")
        lo, hi = int(offsets[lo_item]), int(offsets[hi_item])
        c = count[lo:hi]
        j = np.repeat(np.arange(lo, hi, dtype=np.int64), c)
        k = ranges(start[lo:hi], c)
        ak, aj = acc[k], acc[j]
        other = ak != aj
        j, k, ak, aj = j[other], k[other], ak[other], aj[other]
        k_is_a = ak < aj
        a = np.where(k_is_a, ak, aj)
        b = np.where(k_is_a, aj, ak)
        ra = np.where(k_is_a, k, j)
        rb = np.where(k_is_a, j, k)
        dt = t[j] - t[k]
        item = item_of_row[j]
        pair = a * n_acc + b
        # least (dt, row a, row b) per (item, pair): the first of each group once sorted
        order = np.lexsort((rb, ra, dt, pair, item))
        item, pair = item[order], pair[order]
        first = firsts(pair) | firsts(item)
        sel = order[first]
        parts.append((a[sel], b[sel], item[first], dt[sel], ra[sel], rb[sel]))
    cols = [np.concatenate([np.zeros(0, np.int64), *p]) for p in zip(*parts, strict=True)]
    a, b, item, dt, ra, rb = cols
    order = np.lexsort((item, b, a))
    a, b, item, dt, ra, rb = (x[order] for x in (a, b, item, dt, ra, rb))
    burst = (
        _bursts(t, acc, offsets, item, a, b, ra, rb, wide)
        if wide
        else np.zeros(len(item), np.int64)
    )
    return CoActionColumns(a, b, item, dt, ra, rb, burst)


def _bursts(
    t: I64,
    acc: I64,
    offsets: I64,
    item: I64,
    a: I64,
    b: I64,
    ra: I64,
    rb: I64,
    wide: Sequence[int],
) -> I64:
    """Per co-action, the narrowest of `wide` within which a third account acted on the
    item around the span of the two actions (`coordination._burst_scale`); 0 for none."""
    top = wide[-1]
    lo_row, hi_row = np.minimum(ra, rb), np.maximum(ra, rb)
    t_lo, t_hi = t[lo_row], t[hi_row]
    # runs of one account in row order: hop from a row past its run, either way
    new_run = firsts(acc)
    new_run[offsets[:-1]] = True
    run_id = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    run_end = np.append(run_start[1:], len(acc)) - 1
    first_row, last_row = offsets[item], offsets[item + 1] - 1
    far = np.int64(top + 1)

    def nearest(
        x: I64, step: Callable[[I64], I64], inside: Callable[[I64, I64], npt.NDArray[np.bool_]]
    ) -> I64:
        """Distance beyond the span to the first row from `x`, going by `step`, of an account
        other than the pair's (more than `top` when none is that near)."""
        gap = np.full(len(x), far, dtype=np.int64)
        todo = np.arange(len(x), dtype=np.int64)
        while len(todo):
            xs = x[todo]
            ok = inside(xs, todo)
            todo, xs = todo[ok], xs[ok]
            mine = (acc[xs] == a[todo]) | (acc[xs] == b[todo])
            found = todo[~mine]
            gap[found] = np.maximum(
                np.maximum(t_lo[found] - t[x[found]], t[x[found]] - t_hi[found]), 0
            )
            todo = todo[mine]
            x[todo] = step(x[todo])
        return gap

    left = nearest(
        hi_row.copy(),
        lambda xs: run_start[run_id[xs]] - 1,
        lambda xs, n: (xs >= first_row[n]) & (t[np.maximum(xs, 0)] >= t_lo[n] - top),
    )
    right = nearest(
        hi_row + 1,
        lambda xs: run_end[run_id[xs]] + 1,
        lambda xs, n: (xs <= last_row[n]) & (t[np.minimum(xs, len(t) - 1)] <= t_hi[n] + top),
    )
    gap = np.minimum(left, right)
    burst = np.zeros(len(item), dtype=np.int64)
    for s in reversed(wide):
        burst[gap <= s] = s
    return burst


def co_action_pairs(
    by_item: ItemActions,
    max_window: int,
    *,
    max_sharers: int | None = None,
    scales: Sequence[int] = (),
    min_shared: int = 1,
    check: Callable[[str], None] | None = None,
) -> tuple[dict[Pair, dict[str, CoAction]], dict[str, int]]:
    """`coordination.co_actions(by_item, ...)`, the same `(pairs, sharers)`; pairs that
    co-acted on fewer than `min_shared` items left out (as `spark_co_actions`)."""
    sharers = by_item.sharer_counts()
    cols = co_action_columns(
        by_item, max_window, max_sharers=max_sharers, scales=scales, check=check
    )
    if not len(cols):
        return {}, sharers
    starts, ends = cols.pair_runs()
    wanted = (ends - starts) >= min_shared
    t, keys, accounts = by_item.t, by_item.item_keys, by_item.accounts
    rows = np.concatenate([cols.row_a, cols.row_b])
    posts = dict(zip(rows.tolist(), by_item.post.take(rows).to_pylist(), strict=True))
    ta, tb = t[cols.row_a].tolist(), t[cols.row_b].tolist()
    ra, rb = cols.row_a.tolist(), cols.row_b.tolist()
    dt, burst, item = cols.dt.tolist(), cols.burst.tolist(), cols.item.tolist()
    a, b = cols.a.tolist(), cols.b.tolist()
    pairs: dict[Pair, dict[str, CoAction]] = {}
    for lo, hi in zip(starts[wanted].tolist(), ends[wanted].tolist(), strict=True):
        pairs[(accounts[a[lo]], accounts[b[lo]])] = {
            keys[item[n]]: CoAction(dt[n], ta[n], tb[n], posts[ra[n]], posts[rb[n]], burst[n])
            for n in range(lo, hi)
        }
    return pairs, sharers


@dataclass(slots=True)
class ScaleTotals:
    """A pair's evidence at one scale, in sum: what `scoring.best_scale` reads."""

    weight: float
    shared: int


class PairTable:
    """The pairs of `cols` that co-acted on `min_shared` items at some scale, in (a, b)
    order, with `coordination.scale_evidence`'s figures at every scale.

    Weights are the same floats: each is summed by `np.bincount` in row order, which is the
    pair's item order, as `scale_evidence` sums them."""

    def __init__(
        self,
        cols: CoActionColumns,
        by_item: ItemActions,
        scales: Sequence[int],
        min_shared: int,
    ) -> None:
        self.cols, self.by_item, self.scales = cols, by_item, tuple(scales)
        starts, ends = cols.pair_runs()
        pid = np.repeat(np.arange(len(starts), dtype=np.int64), ends - starts)
        item_weight = 1.0 / np.maximum(1, by_item.sharers()[cols.item] - 1)
        self.masks: dict[int, npt.NDArray[np.bool_]] = {}
        shared: dict[int, I64] = {}
        weight: dict[int, npt.NDArray[np.float64]] = {}
        for s in self.scales:
            m = cols.dt <= s
            if s > SHORT_SCALE:
                m &= (cols.burst > 0) & (cols.burst <= s)
            # item_weight x timing_factor, as coordination computes them
            w = item_weight * (1.0 - 0.5 * np.minimum(1.0, cols.dt / s))
            self.masks[s] = m
            shared[s] = np.bincount(pid[m], minlength=len(starts))
            weight[s] = np.asarray(
                np.bincount(pid[m], weights=w[m], minlength=len(starts)), dtype=np.float64
            )
        most = np.max([shared[s] for s in self.scales], axis=0) if len(starts) else pid
        kept = np.flatnonzero(((ends - starts) >= min_shared) & (most >= min_shared))
        self.starts, self.ends = starts[kept].tolist(), ends[kept].tolist()
        accounts = by_item.accounts
        self.pairs: list[Pair] = [
            (accounts[a], accounts[b])
            for a, b in zip(
                cols.a[starts[kept]].tolist(), cols.b[starts[kept]].tolist(), strict=True
            )
        ]
        self._totals = {s: (weight[s][kept].tolist(), shared[s][kept].tolist()) for s in scales}
        self._rows: tuple[list[str], list[int], list[int], list[str], list[str]] | None = None
        self._last: tuple[int, int, PairEvidence] | None = None

    def __len__(self) -> int:
        return len(self.pairs)

    def totals(self, n: int) -> dict[int, ScaleTotals]:
        """Pair n's weight and items at each scale."""
        return {s: ScaleTotals(w[n], c[n]) for s, (w, c) in self._totals.items()}

    def evidence(self, n: int, scale: int) -> PairEvidence:
        """Pair n's evidence at `scale`, as `coordination.scale_evidence` gives it (the
        last one asked for is kept: scoring asks for the chosen scale's, then keeps it)."""
        if self._last is not None and self._last[:2] == (n, scale):
            return self._last[2]
        ev = self._evidence(n, scale)
        self._last = (n, scale, ev)
        return ev

    def _evidence(self, n: int, scale: int) -> PairEvidence:
        if self._rows is None:
            c, by = self.cols, self.by_item
            self._rows = (
                [by.item_keys[i] for i in c.item.tolist()],
                by.t[c.row_a].tolist(),
                by.t[c.row_b].tolist(),
                by.post.take(c.row_a).to_pylist(),
                by.post.take(c.row_b).to_pylist(),
            )
        keys, ta, tb, pa, pb = self._rows
        lo, hi = self.starts[n], self.ends[n]
        rows = [lo + k for k in np.flatnonzero(self.masks[scale][lo:hi]).tolist()]
        ev = PairEvidence(scale=scale)
        ev.items = {keys[r]: (ta[r], tb[r], pa[r], pb[r]) for r in rows}
        ev.weight = self._totals[scale][0][n]
        if rows:
            firsts_ = [min(ta[r], tb[r]) for r in rows]
            ev.first_t, ev.last_t = min(firsts_), max(firsts_)
        return ev
