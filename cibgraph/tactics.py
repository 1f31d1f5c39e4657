"""Each signal's place in the Online Operations Kill Chain (Nimmo and Hutchins, Meta, 2023).

The kill chain has ten phases, numbered in the order the paper gives them:
1 Acquiring assets, 2 Disguising assets, 3 Gathering information,
4 Coordinating and planning, 5 Testing platform defenses, 6 Evading detection,
7 Indiscriminate engagement, 8 Targeted engagement, 9 Compromising assets,
10 Enabling longevity. A tactic is named within its phase, as published CIB
reports do ("Disguising assets: copying profile pictures"). `id` is the phase
number and a tactic number within it (`2.1`), the way the report, views and
Browser guide cite it.

One table: group signals (as `detect` writes them) and the stored queries
that find the same behaviour map to the same tactic.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

PHASES: dict[int, str] = {
    1: "Acquiring assets",
    2: "Disguising assets",
    3: "Gathering information",
    4: "Coordinating and planning",
    5: "Testing platform defenses",
    6: "Evading detection",
    7: "Indiscriminate engagement",
    8: "Targeted engagement",
    9: "Compromising assets",
    10: "Enabling longevity",
}


@dataclass(frozen=True)
class Tactic:
    id: str
    phase: str
    tactic: str

    @property
    def label(self) -> str:
        return f"{self.id} {self.phase}: {self.tactic}"


def _t(phase: int, n: int, name: str) -> Tactic:
    return Tactic(f"{phase}.{n}", PHASES[phase], name)


ACCOUNTS_IN_BATCHES = _t(1, 1, "Creating accounts in batches")
COPIED_PHOTOS = _t(2, 1, "Copying profile pictures")
SHARED_PHOTOS = _t(2, 2, "Reusing one profile picture across accounts")
SIMILAR_NAMES = _t(2, 3, "Giving accounts similar names")
POSTING_IN_LOCKSTEP = _t(4, 1, "Posting the same content in lockstep")
BURSTS = _t(7, 1, "Posting in bursts")
COMMENTING = _t(8, 1, "Commenting in tandem on target posts")
DEVOTED = _t(8, 2, "Posting almost only on the target's hashtags")
ADVERTISING = _t(8, 3, "Running ads in the name of an unregistered sponsor")
REPLACEMENTS = _t(10, 1, "Using new accounts in place of old ones")

# signal or stored-query name -> tactic
TACTICS: dict[str, Tactic] = {
    "co_posting": POSTING_IN_LOCKSTEP,
    "co_posting_pairs": POSTING_IN_LOCKSTEP,
    "coordinated_groups": POSTING_IN_LOCKSTEP,
    "group_evidence": POSTING_IN_LOCKSTEP,
    "tandem_comments": COMMENTING,
    "similar_names": SIMILAR_NAMES,
    "creation_cohort": ACCOUNTS_IN_BATCHES,
    "creation_cohorts": ACCOUNTS_IN_BATCHES,
    "shared_profile_photo": SHARED_PHOTOS,
    "shared_profile_photos": SHARED_PHOTOS,
    "borrowed_profile_photo": COPIED_PHOTOS,
    "borrowed_profile_photos": COPIED_PHOTOS,
    "went_quiet_together": REPLACEMENTS,
    "successor_accounts": REPLACEMENTS,
    "devoted_accounts": DEVOTED,
    "unregistered_ad_sponsors": ADVERTISING,
    "activity_bursts": BURSTS,
}


def tactic_of(signal: str) -> Tactic | None:
    return TACTICS.get(signal)


def tactics_for(signals: list[str]) -> list[dict[str, Any]]:
    """`[{signal, id, phase, tactic}]` for the signals that map to a tactic, in kill-chain order."""
    out = [{"signal": s, **asdict(t)} for s in dict.fromkeys(signals) if (t := TACTICS.get(s))]
    return sorted(out, key=lambda d: ([int(x) for x in d["id"].split(".")], d["signal"]))
