"""Each signal's place in the Online Operations Kill Chain (Nimmo and Hutchins, Meta, 2023).

IDs and names are Meta's published TTP list (`Online_Operations_Killchain-TTPs.csv` in
github.com/facebook/threat-research, the list its CIB reports cite): ten phases numbered
0 (Acquiring assets) to 9 (Enabling longevity), techniques `N.M` within a phase and
procedures `N.M.K` within a technique. A signal maps to the most specific entry it
evidences: a procedure when it is exactly that (a profile photo that matches someone
else's picture is 1.1.1 Copying profile pictures), else the technique.

One table: group signals (as `detect` writes them) and the stored queries that find the
same behaviour map to the same entry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

PHASES: dict[int, str] = {
    0: "Acquiring assets",
    1: "Disguising assets",
    2: "Gathering information",
    3: "Coordinating and planning",
    4: "Testing defenses",
    5: "Evading detection",
    6: "Indiscriminate engagement",
    7: "Targeted engagement",
    8: "Compromising assets",
    9: "Enabling longevity",
}


@dataclass(frozen=True)
class Tactic:
    id: str
    phase: str
    tactic: str

    @property
    def label(self) -> str:
        return f"{self.id} {self.phase}: {self.tactic}"


def _t(ttp_id: str, name: str) -> Tactic:
    return Tactic(ttp_id, PHASES[int(ttp_id.split(".")[0])], name)


ACQUIRING_ACCOUNTS = _t("0.9", "Acquiring social media accounts")
COPIED_PHOTOS = _t("1.1.1", "Copying profile pictures")
VISUAL_DISGUISE = _t("1.1", "Adopting visual disguise")
FICTIONAL_PERSONS = _t("1.2", "Posing as non-existent person")
AMPLIFYING = _t("6.2", "Amplifying with likely fake accounts on social media")
COMMENTING = _t("7.3.3", "Commenting on specific posts")
AUDIENCE_HASHTAGS = _t("7.3.1", "Using audience-specific hashtags")
ADVERTISING = _t("7.1.1", "Advertising to promote content")
REPLACING_ACCOUNTS = _t("9.5.1", "Changing social media accounts")

# signal or stored-query name -> tactic
TACTICS: dict[str, Tactic] = {
    "co_posting": AMPLIFYING,
    "co_posting_pairs": AMPLIFYING,
    "coordinated_groups": AMPLIFYING,
    "group_evidence": AMPLIFYING,
    "activity_bursts": AMPLIFYING,
    "tandem_comments": COMMENTING,
    "similar_names": FICTIONAL_PERSONS,
    "creation_cohort": ACQUIRING_ACCOUNTS,
    "creation_cohorts": ACQUIRING_ACCOUNTS,
    "shared_profile_photo": VISUAL_DISGUISE,
    "shared_profile_photos": VISUAL_DISGUISE,
    "borrowed_profile_photo": COPIED_PHOTOS,
    "borrowed_profile_photos": COPIED_PHOTOS,
    "went_quiet_together": REPLACING_ACCOUNTS,
    "successor_accounts": REPLACING_ACCOUNTS,
    "devoted_accounts": AUDIENCE_HASHTAGS,
    "unregistered_ad_sponsors": ADVERTISING,
}


def tactic_of(signal: str) -> Tactic | None:
    return TACTICS.get(signal)


def tactics_for(signals: list[str]) -> list[dict[str, Any]]:
    """`[{signal, id, phase, tactic}]` for the signals that map to a tactic, in kill-chain order."""
    out = [{"signal": s, **asdict(t)} for s in dict.fromkeys(signals) if (t := TACTICS.get(s))]
    return sorted(out, key=lambda d: ([int(x) for x in d["id"].split(".")], d["signal"]))
