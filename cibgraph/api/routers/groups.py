from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from cibgraph.api.deps import get_graph
from cibgraph.api.security import Caller, analyst, reader
from cibgraph.cypher.runner import to_jsonable
from cibgraph.tactics import tactics_for
from cibgraph.verdicts import NOTE_MAX, record_verdict, verdict_info
from cibgraph.viz.data import NotFound

router = APIRouter(tags=["groups"], dependencies=[Depends(reader)])


class GroupSummary(BaseModel):
    id: str
    size: int | None = None
    score: float | None = None
    signals: list[str] = []
    explanation: str | None = None
    detected_at: str | None = None
    current_verdict: str | None = None
    changed_since_verdict: bool = False


class GroupPage(BaseModel):
    groups: list[GroupSummary]
    total: int
    limit: int
    offset: int


class Member(BaseModel):
    id: str
    handle: str | None = None
    platform: str | None = None
    display_name: str | None = None
    followers: int | None = None
    created_at: str | None = None


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


class GroupDetail(GroupSummary, VerdictState):
    members: list[Member]
    evidence: Any = None
    tactics: list[Tactic] = []


_SUMMARY = (
    "g {.id, .size, .score, .signals, .explanation, .detected_at, current_verdict: g.verdict, "
    "changed_since_verdict: coalesce(g.changed_since_verdict, false)}"
)


def parse_evidence(text: Any) -> Any:
    """`evidence_json` as data; a malformed value is returned as its text."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def summary(row: dict[str, Any]) -> dict[str, Any]:
    g = to_jsonable(row)
    g["signals"] = [str(s) for s in (g.get("signals") or [])]
    return g


@router.get("/groups", response_model=GroupPage, summary="Detected groups, highest score first")
def list_groups(
    request: Request,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
    min_size: int = Query(
        0, ge=0, le=1_000_000, description="Only groups with at least this many members."
    ),
) -> GroupPage:
    # One round trip: groups are few (tens to thousands), so counting and paging together
    # in one query is cheaper than a count query plus a page query.
    row = get_graph(request).read(
        "MATCH (g:Group) WHERE coalesce(g.size, 0) >= $min_size "
        "WITH g ORDER BY g.score DESC, g.size DESC, g.id "
        "WITH collect(g) AS gs "
        f"RETURN size(gs) AS total, [g IN gs[$offset..($offset + $limit)] | {_SUMMARY}] AS page",
        {"min_size": min_size, "offset": offset, "limit": limit},
    )[0]
    total, rows = row["total"], [{"g": g} for g in row["page"]]
    return GroupPage(
        groups=[GroupSummary(**summary(r["g"])) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


def group_detail(graph: Any, group_id: str) -> dict[str, Any]:
    rows = graph.read(
        f"MATCH (g:Group {{id: $id}}) "
        "OPTIONAL MATCH (a:Account)-[:MEMBER_OF]->(g) "
        "WITH g, a ORDER BY a.id "
        f"RETURN {_SUMMARY} AS g, g.evidence_json AS evidence, "
        "collect(a {.id, .handle, .platform, .display_name, .followers, .created_at}) AS members",
        {"id": group_id},
    )
    if not rows:
        raise NotFound(f"no group with id {group_id!r}")
    out = summary(rows[0]["g"])
    out["members"] = to_jsonable(rows[0]["members"])
    out["evidence"] = parse_evidence(rows[0]["evidence"])
    out["tactics"] = tactics_for(out["signals"])
    out.update(verdict_info(graph, "group", group_id))
    return out


@router.get(
    "/groups/{group_id}",
    response_model=GroupDetail,
    summary="One group: members, score, evidence",
    responses={404: {"description": "no such group"}},
)
def get_group(group_id: str, request: Request) -> GroupDetail:
    return GroupDetail(**group_detail(get_graph(request), group_id))


def _verdict_fields(v: dict[str, Any]) -> dict[str, Any]:
    return {k: v.get(k) for k in Verdict.model_fields}


@router.post(
    "/groups/{group_id}/verdict",
    response_model=VerdictState,
    summary="Record a verdict on a group (analyst or admin keys); appended to its history",
    responses={403: {"description": "a reader key"}, 404: {"description": "no such group"}},
)
def post_group_verdict(
    group_id: str,
    body: VerdictIn,
    request: Request,
    caller: Annotated[Caller, Depends(analyst)],
) -> VerdictState:
    return record_and_state(request, "group", group_id, body, caller)


def record_and_state(
    request: Request, kind: str, target_id: str, body: VerdictIn, caller: Caller
) -> VerdictState:
    from cibgraph.verdicts import UnknownSubject

    graph = get_graph(request)
    try:
        record_verdict(graph, kind, target_id, body.verdict, body.note, caller.name)
    except UnknownSubject as e:
        raise NotFound(str(e)) from e
    return VerdictState(**verdict_info(graph, kind, target_id))
