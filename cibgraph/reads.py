"""The read model: what the CLI, the API, the views, the report and the demo read.

Groups (the list, one group with its members, evidence and verdicts), accounts
(profile, groups, coordination, posts), members' posts, the demo's exports,
and stored-query runs (`run_stored`, from the runner). Every read is
parameterised and runs in a read transaction (`Graph.read`); values come back
as JSON values (`to_jsonable`). Callers only shape the results: routers into
response models, pages into HTML.
"""

from __future__ import annotations

import json
from typing import Any

from cibgraph.cypher.runner import QueryResult, run_stored
from cibgraph.db import Graph, to_jsonable
from cibgraph.errors import NotFound
from cibgraph.tactics import tactics_for
from cibgraph.verdicts import verdict_info

__all__ = [
    "NotFound",
    "QueryResult",
    "account_detail",
    "coordinated_accounts",
    "coordination_links",
    "group_detail",
    "group_ids",
    "group_page",
    "parse_evidence",
    "post_times",
    "run_stored",
    "totals",
]


def parse_evidence(text: Any) -> Any:
    """`evidence_json` as data; a malformed value is returned as its text."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _signals(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON values, its `signals` as a list of strings."""
    out = to_jsonable(row)
    out["signals"] = [str(s) for s in (out.get("signals") or [])]
    return out


# ---------------------------------------------------------------- groups

_SUMMARY = (
    "g {.id, .size, .score, .signals, .explanation, .detected_at, current_verdict: g.verdict, "
    "changed_since_verdict: coalesce(g.changed_since_verdict, false)}"
)
_GROUP_ORDER = "g.score DESC, g.size DESC, g.id"


def group_page(
    graph: Graph, *, limit: int, offset: int = 0, min_size: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """Groups with at least `min_size` members, highest score first: (total, one page)."""
    # One round trip: groups are few (tens to thousands), so counting and paging together
    # in one query is cheaper than a count query plus a page query.
    row = graph.read(
        "MATCH (g:Group) WHERE coalesce(g.size, 0) >= $min_size "
        f"WITH g ORDER BY {_GROUP_ORDER} "
        "WITH collect(g) AS gs "
        f"RETURN size(gs) AS total, [g IN gs[$offset..($offset + $limit)] | {_SUMMARY}] AS page",
        {"min_size": min_size, "offset": offset, "limit": limit},
    )[0]
    return row["total"], [_signals(g) for g in row["page"]]


def group_ids(graph: Graph) -> list[str]:
    """Every group's id, in the order of `group_page`."""
    return [
        r["id"] for r in graph.read(f"MATCH (g:Group) RETURN g.id AS id ORDER BY {_GROUP_ORDER}")
    ]


def group_detail(graph: Graph, group_id: str) -> dict[str, Any]:
    """One group: its summary, members, evidence, tactics and verdicts. Raises NotFound."""
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
    out = _signals(rows[0]["g"])
    out["members"] = to_jsonable(rows[0]["members"])
    out["evidence"] = parse_evidence(rows[0]["evidence"])
    out["tactics"] = tactics_for(out["signals"])
    out.update(verdict_info(graph, "group", group_id))
    return out


# ---------------------------------------------------------------- accounts

_PROFILE = """
MATCH (a:Account {id: $id})
OPTIONAL MATCH (a)-[:MEMBER_OF]->(g:Group)
RETURN properties(a) AS profile,
       collect(g {.id, .score, .size, .signals, .evidence_json}) AS groups
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


def account_detail(graph: Graph, account_id: str, *, posts: bool = True) -> dict[str, Any]:
    """One account: profile, groups (each with its evidence), the accounts it is
    coordinated with (the strongest 100), their signals and tactics, its verdicts
    and, with `posts`, a summary of its posts. Raises NotFound."""
    rows = graph.read(_PROFILE, {"id": account_id})
    if not rows or rows[0]["profile"] is None:
        raise NotFound(f"no account with id {account_id!r}")
    groups = []
    for g in rows[0]["groups"]:
        g = _signals(g)
        g["evidence"] = parse_evidence(g.pop("evidence_json", None))
        groups.append(g)
    coordination = [_signals(r) for r in graph.read(_COORDINATION, {"id": account_id})]
    signals = sorted(
        {s for g in groups for s in g["signals"]} | {s for c in coordination for s in c["signals"]}
    )
    out: dict[str, Any] = {
        **verdict_info(graph, "account", account_id),
        "profile": to_jsonable(rows[0]["profile"]),
        "signals": signals,
        "tactics": tactics_for(signals),
        "coordinated_with": coordination,
        "groups": groups,
    }
    if posts:
        p = to_jsonable(graph.read(_POSTS, {"id": account_id})[0])
        out["posts"] = {
            "posts": p["posts"],
            "first_post_at": p["first"],
            "last_post_at": p["last"],
            "interactions": p["interactions"],
            "reposts": p["reposts"],
            "top_hashtags": p["tags"],
            "top_domains": p["domains"],
        }
    return out


def post_times(graph: Graph, ids: list[str]) -> list[dict[str, Any]]:
    """The timed posts of these accounts, `{id, post, t}` (epoch seconds), oldest first."""
    return graph.read(
        "UNWIND $ids AS id MATCH (a:Account {id: id})-[:POSTED]->(p:Post) "
        "WHERE p.posted_at IS NOT NULL "
        "RETURN a.id AS id, p.id AS post, p.posted_at.epochSeconds AS t ORDER BY t, post",
        {"ids": ids},
    )


# ---------------------------------------------------------------- the demo's exports


def coordinated_accounts(graph: Graph) -> list[dict[str, Any]]:
    """Accounts in a group or coordinated with another, with their (first) group."""
    return to_jsonable(
        graph.read(
            "MATCH (a:Account) WHERE (a)-[:COORDINATED_WITH]-() OR (a)-[:MEMBER_OF]->() "
            "OPTIONAL MATCH (a)-[:MEMBER_OF]->(g:Group) "
            "RETURN a.id AS id, a.handle AS handle, a.platform AS platform, "
            "collect(g.id)[0] AS group, max(g.score) AS group_score"
        )
    )


def coordination_links(graph: Graph) -> list[dict[str, Any]]:
    """Every COORDINATED_WITH link, `{source, target, weight, signals}`."""
    return to_jsonable(
        graph.read(
            "MATCH (a:Account)-[c:COORDINATED_WITH]->(b:Account) "
            "RETURN a.id AS source, b.id AS target, c.weight AS weight, c.signals AS signals"
        )
    )


def totals(graph: Graph) -> dict[str, int]:
    """How many accounts and posts the graph holds."""
    return graph.read(
        "CALL () { MATCH (a:Account) RETURN count(a) AS accounts } "
        "CALL () { MATCH (p:Post) RETURN count(p) AS posts } RETURN accounts, posts"
    )[0]
