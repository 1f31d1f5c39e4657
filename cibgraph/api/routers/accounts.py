from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from cibgraph import reads
from cibgraph.api.deps import GraphDep
from cibgraph.api.schemas import Tactic, VerdictIn, VerdictState
from cibgraph.api.security import Caller, analyst, reader
from cibgraph.verdicts import record_verdict, verdict_info

router = APIRouter(tags=["accounts"], dependencies=[Depends(reader)])


class PostsSummary(BaseModel):
    posts: int
    first_post_at: str | None = None
    last_post_at: str | None = None
    interactions: int
    reposts: int
    top_hashtags: list[dict[str, Any]]
    top_domains: list[dict[str, Any]]


class Coordination(BaseModel):
    account_id: str
    handle: str | None = None
    weight: float | None = None
    shared: Any = None
    signals: list[str] = []


class AccountGroup(BaseModel):
    id: str
    score: float | None = None
    size: int | None = None
    signals: list[str] = []


class AccountDetail(VerdictState):
    profile: dict[str, Any]
    signals: list[str]
    tactics: list[Tactic] = []
    coordinated_with: list[Coordination]
    groups: list[AccountGroup]
    posts: PostsSummary


@router.get(
    "/accounts/{account_id}",
    response_model=AccountDetail,
    summary="One account: profile, signals, groups, posts summary",
    responses={404: {"description": "no such account"}},
)
def get_account(account_id: str, graph: GraphDep) -> AccountDetail:
    return AccountDetail(**reads.account_detail(graph, account_id))


@router.post(
    "/accounts/{account_id}/verdict",
    response_model=VerdictState,
    summary="Record a verdict on an account (analyst or admin keys); appended to its history",
    responses={403: {"description": "a reader key"}, 404: {"description": "no such account"}},
)
def post_account_verdict(
    account_id: str,
    body: VerdictIn,
    graph: GraphDep,
    caller: Annotated[Caller, Depends(analyst)],
) -> VerdictState:
    record_verdict(graph, "account", account_id, body.verdict, body.note, caller.name)
    return VerdictState(**verdict_info(graph, "account", account_id))
