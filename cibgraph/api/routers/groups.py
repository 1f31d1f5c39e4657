from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from cibgraph.api.deps import get_graph
from cibgraph.api.security import reader
from cibgraph.cypher.runner import to_jsonable
from cibgraph.viz.data import NotFound

router = APIRouter(tags=["groups"], dependencies=[Depends(reader)])


class GroupSummary(BaseModel):
    id: str
    size: int | None = None
    score: float | None = None
    signals: list[str] = []
    explanation: str | None = None
    detected_at: str | None = None


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


class GroupDetail(GroupSummary):
    members: list[Member]
    evidence: Any = None


_SUMMARY = "g {.id, .size, .score, .signals, .explanation, .detected_at}"


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
    offset: int = Query(0, ge=0),
    min_size: int = Query(0, ge=0, description="Only groups with at least this many members."),
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
    return out


@router.get(
    "/groups/{group_id}",
    response_model=GroupDetail,
    summary="One group: members, score, evidence",
    responses={404: {"description": "no such group"}},
)
def get_group(group_id: str, request: Request) -> GroupDetail:
    return GroupDetail(**group_detail(get_graph(request), group_id))
