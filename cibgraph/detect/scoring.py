"""Explainable scores for coordination edges and groups. Pure functions, no database."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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


def score_edge(
    a: AccountInfo,
    b: AccountInfo,
    ev: PairEvidence,
    *,
    synchrony: float = 1.0,
    min_similarity: float = 0.7,
    max_photo_users: int = 50,
) -> EdgeScore:
    """`synchrony`: of all items both accounts ever posted, the share they posted within
    the window. Friends who repost each other's pictures, or fans of the same memes, share
    many items but rarely within seconds; operators share them in lockstep."""
    parts = {"co_posting": round(ev.weight * synchrony, 6)}
    signals = ["co_posting"]
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
    if any(k.startswith("comment:") for k in ev.items):
        signals.append("tandem_comments")
    signals += [k for k in parts if k != "co_posting"]
    return EdgeScore(a.id, b.id, round(sum(parts.values()), 6), ev.shared, signals, parts)


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
    window: int,
    data_end: date | None = None,
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
    quiet: dict[date, int] = {}
    for m in members:
        # everyone's last post is near the end of a collection: that says nothing
        if m.went_quiet_on is not None and (
            data_end is None or (data_end - m.went_quiet_on).days > 7
        ):
            quiet[m.went_quiet_on] = quiet.get(m.went_quiet_on, 0) + 1
    signals = sorted(signal_counts)
    cohort_day, cohort_n = max(created.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0))
    quiet_day, quiet_n = max(quiet.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0))
    if cohort_n >= 3 and "creation_cohort" not in signals:
        signals.append("creation_cohort")
    if quiet_n >= 3:
        signals.append("went_quiet_together")
    signals = sorted(set(signals))
    median_gap = statistics.median(gaps) if gaps else None
    median_sharers = statistics.median(items.values()) if items else None
    bits = [
        f"{n} accounts tied by {len(edges)} of {int(possible)} possible pairs",
        f"{len(items)} distinct items posted by at least two members within {window} s"
        + (f" (median gap {median_gap:g} s)" if median_gap is not None else ""),
    ]
    if median_sharers is not None:
        bits.append(f"those items were posted by a median of {median_sharers:g} accounts in all")
    if cohort_n >= 2:
        bits.append(f"{cohort_n} members created on {cohort_day}")
    if quiet_n >= 2:
        bits.append(f"{quiet_n} members went quiet on {quiet_day}")
    for s, label in (
        ("similar_names", "pairs with similar names"),
        ("shared_profile_photo", "pairs sharing a profile photo"),
        ("borrowed_profile_photo", "pairs both using borrowed photos"),
        ("tandem_comments", "pairs commenting in tandem"),
    ):
        if s in signal_counts:
            bits.append(f"{signal_counts[s]} {label}")
    facts = {
        "edges": len(edges),
        "density": round(density, 4),
        "items": len(items),
        "median_gap_seconds": median_gap,
        "median_item_sharers": median_sharers,
        "signal_pairs": dict(sorted(signal_counts.items())),
    }
    return GroupScore(score, signals, "; ".join(bits) + ".", facts)
