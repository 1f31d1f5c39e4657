"""The coordination graph: who posted the same item as whom, at which time scale, and its weight.

Pure functions over plain tuples; `cibgraph.detect.pipeline` feeds them rows
streamed from the graph.

An *action* is `(item, account_id, epoch_seconds, post_id)`: an account
posting a shared item (`cibgraph.detect.items` defines them) or commenting on
/ re-sharing a post (`comment:<post id>`). Two accounts *co-act* on an item
when they both acted on it within a time scale.

Real operations work at several time scales: some post the same picture
within seconds, scheduling tools post it to each account a few minutes
after the last, copy-paste crews within the hour. `co_actions` finds, for
every pair and item, the closest pair of actions within the widest scale,
once; `scale_evidence` then reads the evidence at each scale from it, so one
pass serves every scale.

Wide scales catch far more chance and reaction: friends repost each other's
pictures twenty minutes later, audiences answer the news within the hour.
So above `SHORT_SCALE` a co-action only counts as part of a *burst*: at least
`BURST_ACCOUNTS` distinct accounts acted on the item within that scale of
the pair's two actions. A friend reposting a friend's picture is a pair; a
scheduler posting to five accounts is a burst. Bursts of hundreds (news
cascades, viral memes, chain letters) count too, but the rarity weighting
makes each such item worth next to nothing to any one pair.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

Action = tuple[str, str, int, str]
Pair = tuple[str, str]

SCALES: tuple[int, ...] = (10, 60, 600, 3600)
SHORT_SCALE = 60
BURST_ACCOUNTS = 3


@dataclass(frozen=True, slots=True)
class CoAction:
    """The closest co-action of two accounts `a < b` on one item."""

    dt: int
    t_a: int
    t_b: int
    post_a: str
    post_b: str
    # narrowest scale above SHORT_SCALE at which the item had a burst around it (0: none)
    burst_from: int = 0


@dataclass
class PairEvidence:
    """Everything two accounts did together within one time scale."""

    items: dict[str, tuple[int, int, str, str]] = field(default_factory=dict)
    # item -> (t_a, t_b, post_a, post_b) of the closest co-action on that item
    weight: float = 0.0
    first_t: int | None = None
    last_t: int | None = None
    scale: int = SHORT_SCALE

    @property
    def shared(self) -> int:
        return len(self.items)

    @property
    def lags(self) -> list[int]:
        return [abs(tb - ta) for ta, tb, _, _ in self.items.values()]

    def led(self) -> tuple[int, int]:
        """How many co-actions each side posted first (ties count for neither)."""
        a = sum(1 for ta, tb, _, _ in self.items.values() if ta < tb)
        b = sum(1 for ta, tb, _, _ in self.items.values() if tb < ta)
        return a, b

    def median_lag(self) -> float | None:
        lags = self.lags
        return float(statistics.median(lags)) if lags else None


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
    """Co-actions well inside the scale weigh more than ones at its edge."""
    if window <= 0:
        return 1.0
    return 1.0 - 0.5 * min(1.0, dt / window)


def _burst_scale(
    acts: Sequence[tuple[int, str, str]], lo: int, hi: int, scales: Sequence[int]
) -> int:
    """The narrowest wide scale s with `BURST_ACCOUNTS` distinct accounts acting on the item
    between t[lo] - s and t[hi] + s (then every wider one has them too); 0 when none has."""
    for s in scales:
        if s <= SHORT_SCALE:
            continue
        t0, t1 = acts[lo][0] - s, acts[hi][0] + s
        seen: set[str] = set()
        i = hi
        while i >= 0 and acts[i][0] >= t0 and len(seen) < BURST_ACCOUNTS:
            seen.add(acts[i][1])
            i -= 1
        i = hi + 1
        while i < len(acts) and acts[i][0] <= t1 and len(seen) < BURST_ACCOUNTS:
            seen.add(acts[i][1])
            i += 1
        if len(seen) >= BURST_ACCOUNTS:
            return s
    return 0


def co_actions(
    by_item: Mapping[str, Sequence[tuple[int, str, str]]],
    max_window: int,
    *,
    max_sharers: int | None = None,
    scales: Sequence[int] = (),
    check: Callable[[str], None] | None = None,
) -> tuple[dict[Pair, dict[str, CoAction]], dict[str, int]]:
    """Every pair's closest co-action per item within `max_window` seconds, and each item's
    number of distinct sharers.

    A two-pointer sweep over each item's time-sorted actions: the work is the
    number of co-actions inside the window, never every pair of an item's
    sharers. `max_sharers` skips items posted by more accounts than that
    (their weight is negligible anyway). With `scales`, each co-action also
    records the widest of them at which it sat in a burst (see module doc).
    """
    pairs: dict[Pair, dict[str, CoAction]] = {}
    sharers: dict[str, int] = {}
    wide = sorted(s for s in scales if s > SHORT_SCALE)
    for done, (item, acts) in enumerate(by_item.items()):
        if check is not None and done % 20_000 == 0:
            check("co_posting")
        n = len({a for _, a, _ in acts})
        sharers[item] = n
        if n < 2 or (max_sharers is not None and n > max_sharers):
            continue
        best: dict[Pair, tuple[int, int, int]] = {}  # pair -> (dt, index a, index b)
        start = 0
        for j, (tj, aj, _) in enumerate(acts):
            while tj - acts[start][0] > max_window:
                start += 1
            for k in range(start, j):
                ak = acts[k][1]
                if ak == aj:
                    continue
                dt = tj - acts[k][0]
                if ak < aj:
                    key, rec = (ak, aj), (dt, k, j)
                else:
                    key, rec = (aj, ak), (dt, j, k)
                old = best.get(key)
                if old is None or rec < old:
                    best[key] = rec
        for key, (dt, ia, ib) in best.items():
            lo, hi = min(ia, ib), max(ia, ib)
            burst = _burst_scale(acts, lo, hi, wide) if wide else 0
            pairs.setdefault(key, {})[item] = CoAction(
                dt, acts[ia][0], acts[ib][0], acts[ia][2], acts[ib][2], burst
            )
    return pairs, sharers


def scale_evidence(items: dict[str, CoAction], sharers: dict[str, int], scale: int) -> PairEvidence:
    """A pair's evidence at one time scale: its co-actions within it, rarity- and
    timing-weighted; above `SHORT_SCALE` only co-actions in a burst at that scale."""
    ev = PairEvidence(scale=scale)
    for item, ca in sorted(items.items()):
        if ca.dt > scale:
            continue
        if scale > SHORT_SCALE and not 0 < ca.burst_from <= scale:
            continue
        ev.items[item] = (ca.t_a, ca.t_b, ca.post_a, ca.post_b)
        ev.weight += item_weight(sharers.get(item, 2)) * timing_factor(ca.dt, scale)
        t0 = min(ca.t_a, ca.t_b)
        ev.first_t = t0 if ev.first_t is None else min(ev.first_t, t0)
        ev.last_t = t0 if ev.last_t is None else max(ev.last_t, t0)
    return ev


def window_pairs(
    by_item: Mapping[str, Sequence[tuple[int, str, str]]],
    window: int,
    *,
    max_sharers: int | None = None,
) -> dict[Pair, PairEvidence]:
    """Pairs of accounts that acted on the same item within `window` seconds (one scale, no
    burst rule): the plain co-share semantics of CooRTweet and `co_posting_pairs`."""
    pairs, sharers = co_actions(by_item, window, max_sharers=max_sharers)
    out: dict[Pair, PairEvidence] = {}
    for key, items in pairs.items():
        ev = PairEvidence(scale=window)
        for item, ca in items.items():
            ev.items[item] = (ca.t_a, ca.t_b, ca.post_a, ca.post_b)
            ev.weight += item_weight(sharers[item]) * timing_factor(ca.dt, window)
            t0 = min(ca.t_a, ca.t_b)
            ev.first_t = t0 if ev.first_t is None else min(ev.first_t, t0)
            ev.last_t = t0 if ev.last_t is None else max(ev.last_t, t0)
        out[key] = ev
    return out


def plain_co_share_pairs(
    by_item: Mapping[str, Sequence[tuple[int, str, str]]], window: int, min_shared: int
) -> set[Pair]:
    """The baseline: pairs with at least `min_shared` items co-posted in the window, unweighted."""
    pairs = window_pairs(by_item, window)
    return {k for k, ev in pairs.items() if ev.shared >= min_shared}
