"""Explainable scores for coordination edges and groups. Pure functions, no database."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from cibgraph.detect.coordination import PairEvidence

# What each corroborating signal adds to a pair that already co-posted. Co-posting
# rare items is the backbone; these can tip a borderline pair but never make one alone.
BONUS = {
    "similar_names": 0.5,
    "creation_cohort": 0.5,
    "shared_profile_photo": 0.5,
    "borrowed_profile_photo": 0.25,
}
SEPARATORS = ".-_"
SCALE_SLACK = 0.25


@dataclass(frozen=True)
class AccountInfo:
    id: str
    handle_norm: str = ""
    created_on: date | None = None
    profile_image: str | None = None
    profile_image_users: int = 0
    borrowed: bool = False
    went_quiet_on: date | None = None


@dataclass
class EdgeScore:
    a: str
    b: str
    weight: float
    shared: int
    signals: list[str] = field(default_factory=list)
    parts: dict[str, float] = field(default_factory=dict)
    # the time scale whose evidence gives the weight, and every scale that alone would link
    scale: int = 60
    scales: list[int] = field(default_factory=list)
    median_lag: float | None = None
    lead_a: float = 0.0  # share of the co-actions that `a` posted first
    lead_b: float = 0.0


class Totals(Protocol):
    """A pair's evidence at one scale in sum: a `PairEvidence`, or only its figures."""

    @property
    def weight(self) -> float: ...

    @property
    def shared(self) -> int: ...


def best_scale(per_scale: Mapping[int, Totals], ever: int) -> tuple[int, dict[int, float]]:
    """Each scale's co-posting weight (rarity x timing x synchrony), and the scale that holds
    the link: the narrowest whose weight is within `SCALE_SLACK` of the best. A wider scale
    always contains a narrower one's co-actions (with a gentler timing factor), so the
    narrowest that carries the evidence is the one that describes it.

    Synchrony is the share of all the items both accounts ever posted that they posted
    within that scale: fans of the same memes share many items, rarely in step; operators
    share them in step."""
    weights = {
        s: round(ev.weight * ev.shared / max(ever, ev.shared), 6) if ev.shared else 0.0
        for s, ev in per_scale.items()
    }
    top = max(weights.values())
    best = min(s for s, w in weights.items() if w >= top * (1 - SCALE_SLACK))
    return best, weights


def name_similarity(a: str, b: str) -> float:
    """Dice similarity of character bigrams, separators ignored (as `similar_names`)."""
    ha = "".join(c for c in a.lower() if c not in SEPARATORS)
    hb = "".join(c for c in b.lower() if c not in SEPARATORS)
    if len(ha) < 2 or len(hb) < 2:
        return 0.0
    ga = [ha[i : i + 2] for i in range(len(ha) - 1)]
    gb = [hb[i : i + 2] for i in range(len(hb) - 1)]
    sb, sa = set(gb), set(ga)
    common = sum(1 for g in ga if g in sb) + sum(1 for g in gb if g in sa)
    return common / (len(ga) + len(gb))


Parts = tuple[int, dict[int, float], dict[str, float]]


def edge_parts(
    a: AccountInfo,
    b: AccountInfo,
    per_scale: Mapping[int, Totals],
    *,
    ever: int = 0,
    min_similarity: float = 0.7,
    max_photo_users: int = 50,
) -> Parts:
    """A pair's scale (`best_scale`), each scale's weight, and what its weight is made of:
    co-posting at that scale plus corroborating signals. Totals are enough for it, so a
    caller can drop a pair below its thresholds before building its whole evidence."""
    scale, weights = best_scale(per_scale, ever)
    parts = {"co_posting": weights[scale]}
    sim = name_similarity(a.handle_norm, b.handle_norm)
    if sim >= min_similarity:
        parts["similar_names"] = BONUS["similar_names"] * sim
    if a.created_on is not None and a.created_on == b.created_on:
        parts["creation_cohort"] = BONUS["creation_cohort"]
    if (
        a.profile_image is not None
        and a.profile_image == b.profile_image
        and 2 <= a.profile_image_users <= max_photo_users
    ):
        parts["shared_profile_photo"] = BONUS["shared_profile_photo"]
    if a.borrowed and b.borrowed:
        parts["borrowed_profile_photo"] = BONUS["borrowed_profile_photo"]
    return scale, weights, parts


def edge_weight(parts: Parts) -> float:
    """The weight `score_edge` gives an edge of these parts."""
    return round(sum(parts[2].values()), 6)


def score_edge(
    a: AccountInfo,
    b: AccountInfo,
    per_scale: Mapping[int, Totals],
    *,
    ever: int = 0,
    evidence: Callable[[int], PairEvidence] | None = None,
    min_edge_weight: float = 1.0,
    min_similarity: float = 0.7,
    max_photo_users: int = 50,
    parts: Parts | None = None,
) -> EdgeScore:
    """A pair's weight: its co-posting at its best time scale plus corroborating signals.
    `ever`: how many items both accounts ever posted (the synchrony denominator).
    `per_scale` may hold only each scale's totals, with `evidence(scale)` giving the whole
    evidence at the scale chosen (by default `per_scale[scale]`, a `PairEvidence`).
    `parts`: `edge_parts` of the same pair, if the caller has them already."""
    if parts is None:
        parts = edge_parts(
            a,
            b,
            per_scale,
            ever=ever,
            min_similarity=min_similarity,
            max_photo_users=max_photo_users,
        )
    scale, weights, weight_parts = parts
    if evidence is not None:
        ev = evidence(scale)
    else:
        chosen = per_scale[scale]
        if not isinstance(chosen, PairEvidence):
            raise TypeError("per_scale holds totals only: pass evidence")
        ev = chosen
    signals = ["co_posting"]
    if any(k.startswith("comment:") for k in ev.items):
        signals.append("tandem_comments")
    signals += [k for k in weight_parts if k != "co_posting"]
    bonus = sum(v for k, v in weight_parts.items() if k != "co_posting")
    supporting = sorted(s for s, w in weights.items() if w > 0 and w + bonus >= min_edge_weight)
    led_a, led_b = ev.led()
    n = max(1, ev.shared)
    return EdgeScore(
        a.id,
        b.id,
        edge_weight(parts),
        ev.shared,
        signals,
        dict(weight_parts),
        scale=scale,
        scales=supporting or [scale],
        median_lag=ev.median_lag(),
        lead_a=round(led_a / n, 4),
        lead_b=round(led_b / n, 4),
    )


def scale_words(seconds: float) -> str:
    """A lag in words: how an investigator would say it."""
    if seconds < 60:
        return "seconds apart"
    if seconds < 150:
        return "about a minute apart"
    if seconds < 3600:
        return "minutes apart"
    return "within hours"


def order_consistency(edges: list[EdgeScore]) -> float | None:
    """Over a group's edges, the share of co-actions posted in the pair's usual order."""
    total = sum(e.shared for e in edges)
    if not total:
        return None
    return sum(max(e.lead_a, e.lead_b) * e.shared for e in edges) / total


def largest_block(days: list[date], tolerance_days: int) -> list[date]:
    """The longest run of sorted days in which each is at most `tolerance_days` after the one
    before (a block that went quiet over a few days, not on one calendar day)."""
    best: list[date] = []
    run: list[date] = []
    for d in days:
        if run and (d - run[-1]).days > tolerance_days:
            run = []
        run.append(d)
        if len(run) > len(best):
            best = list(run)
    return best


@dataclass
class GroupScore:
    score: float
    signals: list[str]
    explanation: str
    facts: dict[str, Any]


def score_group(
    members: list[AccountInfo],
    edges: list[EdgeScore],
    evidence: dict[tuple[str, str], PairEvidence],
    sharers: dict[str, int],
    data_end: date | None = None,
    *,
    quiet_tolerance_days: int = 3,
) -> GroupScore:
    """A group's score: the co-posting evidence per member plus how densely the members are
    tied, and a sentence an investigator can check against `group_evidence`."""
    n = len(members)
    total = sum(e.weight for e in edges)
    possible = n * (n - 1) / 2
    density = len(edges) / possible if possible else 0.0
    score = round(total / max(1, n - 1) * (0.5 + 0.5 * density), 4)
    items: dict[str, int] = {}
    gaps: list[int] = []
    for e in edges:
        ev = evidence.get((e.a, e.b))
        if ev is None:
            continue
        for item, (ta, tb, _, _) in ev.items.items():
            items[item] = sharers.get(item, 0)
            gaps.append(abs(ta - tb))
    signal_counts: dict[str, int] = {}
    for e in edges:
        for s in e.signals:
            signal_counts[s] = signal_counts.get(s, 0) + 1
    created: dict[date, int] = {}
    for m in members:
        if m.created_on is not None:
            created[m.created_on] = created.get(m.created_on, 0) + 1
    quiet_days = sorted(
        m.went_quiet_on
        for m in members
        # everyone's last post is near the end of a collection: that says nothing
        if m.went_quiet_on is not None
        and (data_end is None or (data_end - m.went_quiet_on).days > 7)
    )
    quiet_block = largest_block(quiet_days, quiet_tolerance_days)
    signals = sorted(signal_counts)
    cohort_day, cohort_n = max(created.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0))
    if cohort_n >= 3 and "creation_cohort" not in signals:
        signals.append("creation_cohort")
    if len(quiet_block) >= 3:
        signals.append("went_quiet_together")
    signals = sorted(set(signals))
    median_gap = statistics.median(gaps) if gaps else None
    median_sharers = statistics.median(items.values()) if items else None
    order = order_consistency(edges)
    scale_counts: dict[int, int] = {}
    for e in edges:
        scale_counts[e.scale] = scale_counts.get(e.scale, 0) + 1
    bits = [f"{n} accounts tied by {len(edges)} of {int(possible)} possible pairs"]
    if median_gap is not None:
        how = f"posted the same {len(items)} items {scale_words(median_gap)}"
        how += f" (median lag {median_gap:g} s)"
        if order is not None and order >= 0.85:
            how += ", nearly always in the same order"
            if 60 <= median_gap < 3600:
                how += " (a scheduler-like stagger)"
        bits.append(how)
    if median_sharers is not None:
        bits.append(f"those items were posted by a median of {median_sharers:g} accounts in all")
    if cohort_n >= 2:
        bits.append(f"{cohort_n} members created on {cohort_day}")
    if len(quiet_block) >= 2:
        first, last = quiet_block[0], quiet_block[-1]
        when = f"on {first}" if first == last else f"between {first} and {last}"
        bits.append(f"{len(quiet_block)} members went quiet {when}")
    for s, label in (
        ("similar_names", "pairs with similar names"),
        ("shared_profile_photo", "pairs sharing a profile photo"),
        ("borrowed_profile_photo", "pairs both using borrowed photos"),
        ("tandem_comments", "pairs commenting in tandem"),
    ):
        if s in signal_counts:
            bits.append(f"{signal_counts[s]} {label}")
    facts = {
        "scales": dict(sorted(scale_counts.items())),
        "order_consistency": round(order, 4) if order is not None else None,
        "went_quiet": [d.isoformat() for d in quiet_block] if len(quiet_block) >= 2 else [],
        "edges": len(edges),
        "density": round(density, 4),
        "items": len(items),
        "median_gap_seconds": median_gap,
        "median_item_sharers": median_sharers,
        "signal_pairs": dict(sorted(signal_counts.items())),
    }
    return GroupScore(score, signals, "; ".join(bits) + ".", facts)
