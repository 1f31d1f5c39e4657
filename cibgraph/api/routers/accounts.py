from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from cibgraph.api.deps import get_graph
from cibgraph.api.routers.groups import Tactic, VerdictIn, VerdictState, record_and_state
from cibgraph.api.security import Caller, analyst, reader
from cibgraph.cypher.runner import to_jsonable
from cibgraph.tactics import tactics_for
from cibgraph.verdicts import verdict_info
from cibgraph.viz.data import NotFound

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


_PROFILE = """
MATCH (a:Account {id: $id})
OPTIONAL MATCH (a)-[:MEMBER_OF]->(g:Group)
RETURN properties(a) AS profile,
       collect(g {.id, .score, .size, .signals}) AS groups
"""

_COORDINATION = """
MATCH (a:Account {id: $id})-[c:COORDINATED_WITH]-(b:Account)
RETURN b.id AS account_id, b.handle AS handle, c.weight AS weight, c.shared AS shared,
       c.signals AS signals
ORDER BY c.weight DESC, b.id LIMIT 100
"""

_POSTS = """
MATCH (a:Account {id: $id})
OPTIONAL MATCH (a)-[:POSTED]->(p:Post)
WITH a, count(p) AS posts, min(p.posted_at) AS first, max(p.posted_at) AS last,
     sum(coalesce(p.interactions, 0)) AS interactions,
     count(CASE WHEN p.is_repost THEN 1 END) AS reposts
CALL (a) {
  OPTIONAL MATCH (a)-[:POSTED]->(:Post)-[:TAGGED]->(h:Hashtag)
  WITH h, count(*) AS n WHERE h IS NOT NULL
  ORDER BY n DESC, h.name LIMIT 10
  RETURN collect({name: h.name, posts: n}) AS tags
}
CALL (a) {
  OPTIONAL MATCH (a)-[:POSTED]->(:Post)-[:LINKS_TO]->(:Url)-[:ON_DOMAIN]->(d:Domain)
  WITH d, count(*) AS n WHERE d IS NOT NULL
  ORDER BY n DESC, d.name LIMIT 10
  RETURN collect({name: d.name, posts: n}) AS domains
}
RETURN posts, first, last, interactions, reposts, tags, domains
"""


@router.get(
    "/accounts/{account_id}",
    response_model=AccountDetail,
    summary="One account: profile, signals, groups, posts summary",
    responses={404: {"description": "no such account"}},
)
def get_account(account_id: str, request: Request) -> AccountDetail:
    graph = get_graph(request)
    rows = graph.read(_PROFILE, {"id": account_id})
    if not rows or rows[0]["profile"] is None:
        raise NotFound(f"no account with id {account_id!r}")
    profile = to_jsonable(rows[0]["profile"])
    groups = [
        AccountGroup(**{**to_jsonable(g), "signals": [str(s) for s in g.get("signals") or []]})
        for g in rows[0]["groups"]
    ]
    coordination = [
        Coordination(**{**to_jsonable(r), "signals": [str(s) for s in r.get("signals") or []]})
        for r in graph.read(_COORDINATION, {"id": account_id})
    ]
    p = to_jsonable(graph.read(_POSTS, {"id": account_id})[0])
    signals = sorted(
        {s for g in groups for s in g.signals} | {s for c in coordination for s in c.signals}
    )
    return AccountDetail(
        **verdict_info(graph, "account", account_id),
        profile=profile,
        signals=signals,
        tactics=tactics_for(signals),
        coordinated_with=coordination,
        groups=groups,
        posts=PostsSummary(
            posts=p["posts"],
            first_post_at=p["first"],
            last_post_at=p["last"],
            interactions=p["interactions"],
            reposts=p["reposts"],
            top_hashtags=p["tags"],
            top_domains=p["domains"],
        ),
    )


@router.post(
    "/accounts/{account_id}/verdict",
    response_model=VerdictState,
    summary="Record a verdict on an account (analyst or admin keys); appended to its history",
    responses={403: {"description": "a reader key"}, 404: {"description": "no such account"}},
)
def post_account_verdict(
    account_id: str,
    body: VerdictIn,
    request: Request,
    caller: Annotated[Caller, Depends(analyst)],
) -> VerdictState:
    return record_and_state(request, "account", account_id, body, caller)
