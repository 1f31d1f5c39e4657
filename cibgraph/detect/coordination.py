"""The coordination graph: who posted the same item as whom within a window, and its weight.

Pure functions over plain tuples; `cibgraph.detect.pipeline` feeds them rows
streamed from the graph.

An *action* is `(item, account_id, epoch_seconds, post_id)`: an account
posting an item (an image cluster, a normalised text, a URL) or commenting on
/ re-sharing a post (`comment:<post id>`). Two accounts *co-act* on an item
when they both acted on it within `window` seconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

Action = tuple[str, str, int, str]


@dataclass
class PairEvidence:
    """Everything two accounts did together within the window."""

    items: dict[str, tuple[int, int, str, str]] = field(default_factory=dict)
    # item -> (t_a, t_b, post_a, post_b) of the closest co-action on that item
    weight: float = 0.0
    first_t: int | None = None
    last_t: int | None = None

    @property
    def shared(self) -> int:
        return len(self.items)


def group_actions(actions: Iterable[Action]) -> dict[str, list[tuple[int, str, str]]]:
    """item -> [(t, account, post)] sorted by time (then account, post: deterministic)."""
    by_item: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for item, account, t, post in actions:
        by_item[item].append((t, account, post))
    for lst in by_item.values():
        lst.sort()
    return dict(by_item)


def item_weight(sharers: int) -> float:
    """How much one co-action on an item says about a pair.

    An item that n accounts posted yields up to n(n-1)/2 pairs; giving each
    1/(n-1) makes the item worth at most n/2 in total, so a meme that 500 fans
    reposted tells little about any two of them, while an item only a handful
    of accounts ever posted is strong evidence (the rarity weighting of
    co-authorship networks).
    """
    return 1.0 / max(1, sharers - 1)


def timing_factor(dt: int, window: int) -> float:
    """Co-actions seconds apart weigh more than ones at the edge of the window."""
    if window <= 0:
        return 1.0
    return 1.0 - 0.5 * min(1.0, dt / window)


def window_pairs(
    by_item: dict[str, list[tuple[int, str, str]]],
    window: int,
    *,
    max_sharers: int | None = None,
) -> dict[tuple[str, str], PairEvidence]:
    """Pairs of accounts that acted on the same item within `window` seconds.

    A two-pointer sweep over each item's time-sorted actions: the work is the
    number of co-actions inside the window, never every pair of an item's
    sharers. `max_sharers` skips items posted by more accounts than that
    (their weight is negligible anyway).
    """
    pairs: dict[tuple[str, str], PairEvidence] = {}
    for item, acts in by_item.items():
        if len(acts) < 2:
            continue
        sharers = len({a for _, a, _ in acts})
        if sharers < 2 or (max_sharers is not None and sharers > max_sharers):
            continue
        w_item = item_weight(sharers)
        # best (smallest dt) co-action per pair on this item
        best: dict[tuple[str, str], tuple[int, int, int, str, str]] = {}
        start = 0
        for j, (tj, aj, pj) in enumerate(acts):
            while tj - acts[start][0] > window:
                start += 1
            for k in range(start, j):
                tk, ak, pk = acts[k]
                if ak == aj:
                    continue
                dt = tj - tk
                if ak < aj:
                    key, rec = (ak, aj), (dt, tk, tj, pk, pj)
                else:
                    key, rec = (aj, ak), (dt, tj, tk, pj, pk)
                old = best.get(key)
                if old is None or rec < old:
                    best[key] = rec
        for key, (dt, ta, tb, pa, pb) in best.items():
            ev = pairs.get(key)
            if ev is None:
                ev = pairs[key] = PairEvidence()
            ev.items[item] = (ta, tb, pa, pb)
            ev.weight += w_item * timing_factor(dt, window)
            t0 = min(ta, tb)
            ev.first_t = t0 if ev.first_t is None else min(ev.first_t, t0)
            ev.last_t = t0 if ev.last_t is None else max(ev.last_t, t0)
    return pairs


def plain_co_share_pairs(
    by_item: dict[str, list[tuple[int, str, str]]], window: int, min_shared: int
) -> set[tuple[str, str]]:
    """The baseline: pairs with at least `min_shared` items co-posted in the window, unweighted."""
    pairs = window_pairs(by_item, window)
    return {k for k, ev in pairs.items() if ev.shared >= min_shared}
