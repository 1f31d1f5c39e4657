"""Response and request models that more than one router uses."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from cibgraph.verdicts import NOTE_MAX


class Verdict(BaseModel):
    id: str
    verdict: str
    note: str = ""
    by: str
    at: str
    target_id: str
    members: list[str] | None = None
    history: str
    seq: int | None = None


class VerdictIn(BaseModel):
    verdict: Literal["confirmed", "benign", "needs_review"]
    note: str = Field("", max_length=NOTE_MAX)


class VerdictState(BaseModel):
    verdict: Verdict | None = None
    history: list[Verdict] = []
    changed_since_verdict: bool = False


class Tactic(BaseModel):
    signal: str
    id: str
    phase: str
    tactic: str
