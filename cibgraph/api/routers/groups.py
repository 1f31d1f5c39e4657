from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from cibgraph import reads
from cibgraph.api.deps import GraphDep
from cibgraph.api.schemas import Tactic, VerdictIn, VerdictState
from cibgraph.api.security import Caller, analyst, reader
from cibgraph.verdicts import record_verdict, verdict_info

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


class GroupDetail(GroupSummary, VerdictState):
    members: list[Member]
    evidence: Any = None
    tactics: list[Tactic] = []


@router.get("/groups", response_model=GroupPage, summary="Detected groups, highest score first")
def list_groups(
    graph: GraphDep,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
    min_size: int = Query(
        0, ge=0, le=1_000_000, description="Only groups with at least this many members."
    ),
) -> GroupPage:
    total, page = reads.group_page(graph, limit=limit, offset=offset, min_size=min_size)
    return GroupPage(
        groups=[GroupSummary(**g) for g in page], total=total, limit=limit, offset=offset
    )


@router.get(
    "/groups/{group_id}",
    response_model=GroupDetail,
    summary="One group: members, score, evidence",
    responses={404: {"description": "no such group"}},
)
def get_group(group_id: str, graph: GraphDep) -> GroupDetail:
    return GroupDetail(**reads.group_detail(graph, group_id))


@router.post(
    "/groups/{group_id}/verdict",
    response_model=VerdictState,
    summary="Record a verdict on a group (analyst or admin keys); appended to its history",
    responses={403: {"description": "a reader key"}, 404: {"description": "no such group"}},
)
def post_group_verdict(
    group_id: str,
    body: VerdictIn,
    graph: GraphDep,
    caller: Annotated[Caller, Depends(analyst)],
) -> VerdictState:
    record_verdict(graph, "group", group_id, body.verdict, body.note, caller.name)
    return VerdictState(**verdict_info(graph, "group", group_id))
