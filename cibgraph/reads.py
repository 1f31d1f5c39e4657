"""The read model: what the CLI, the API, the views, the report and the demo read.

Groups (the list, one group with its members, evidence and verdicts), accounts
(profile, groups, coordination, posts), what the pages and network views show
of members, links and evidence, the demo's exports, and stored-query runs
(`run_stored`, from the runner). Every read is parameterised and runs in a read
transaction (`Graph.read`). Groups, accounts and exports come back as JSON values
(`to_jsonable`); the rows for pages and views as the driver gives them, for the
page to format its times. Callers only shape the results: routers into response
models, pages and views into HTML.
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
    "account_briefs",
    "account_centre",
    "account_detail",
    "account_neighbours",
    "account_verdicts",
    "activity_rows",
    "coordinated_accounts",
    "coordination_links",
    "group_detail",
    "group_ids",
    "group_items",
    "group_links",
    "group_members",
    "group_page",
    "images",
    "ingested_paths",
    "links_among",
    "member_profiles",
    "parse_evidence",
    "post_texts",
    "post_times",
    "run_stored",
    "top_hashtags",
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


# ---------------------------------------------------------------- members, links, evidence

_MEMBERS = """
UNWIND $ids AS id
MATCH (a:Account {id: id})
OPTIONAL MATCH (a)-[:POSTED]->(p:Post)
WITH a, count(p) AS posts, min(p.posted_at) AS first, max(p.posted_at) AS last
OPTIONAL MATCH (a)-[:HAS_PROFILE_IMAGE]->(i:Image)
WITH a, posts, first, last, i,
     CASE WHEN i IS NULL THEN 0 ELSE COUNT { (i)<-[:HAS_PROFILE_IMAGE]-() } END AS photo_users,
     i IS NOT NULL AND (EXISTS { (i)<-[:DEPICTS]-() }
       OR EXISTS { (i)-[:NEAR_DUPLICATE]-(:Image)<-[:DEPICTS]-() }) AS borrowed
RETURN a.id AS id, a.handle AS handle, a.display_name AS display_name, a.bio AS bio,
       a.created_at AS created_at, a.followers AS followers, posts, first, last,
       i.key AS photo, photo_users, borrowed
"""

# The coordination links among these accounts, each direction as stored.
_LINKS = """
MATCH (a:Account)-[c:COORDINATED_WITH]->(b:Account)
WHERE a.id IN $ids AND b.id IN $ids
RETURN a.id AS source, b.id AS target, c.weight AS weight, c.shared AS shared,
       c.signals AS signals
"""

_HASHTAGS = """
UNWIND $ids AS id
MATCH (:Account {id: id})-[:POSTED]->(:Post)-[:TAGGED]->(h:Hashtag)
RETURN h.name AS name, count(*) AS posts ORDER BY posts DESC, name LIMIT 10
"""


def member_profiles(graph: Graph, ids: list[str]) -> list[dict[str, Any]]:
    """These accounts with their post counts and times and their profile photo's findings."""
    return graph.read(_MEMBERS, {"ids": ids})


def links_among(graph: Graph, ids: list[str]) -> list[dict[str, Any]]:
    """The COORDINATED_WITH links between two of these accounts."""
    return graph.read(_LINKS, {"ids": ids})


def top_hashtags(graph: Graph, ids: list[str]) -> list[dict[str, Any]]:
    """The ten hashtags these accounts posted most, `{name, posts}`."""
    return graph.read(_HASHTAGS, {"ids": ids})


def account_verdicts(graph: Graph, ids: list[str]) -> dict[str, str]:
    """The latest verdict of each of these accounts that has one."""
    rows = graph.read(
        "UNWIND $ids AS id MATCH (v:Verdict)-[:VERDICT_ON]->(a:Account {id: id}) "
        "WITH a, v ORDER BY v.at, v.seq RETURN a.id AS id, collect(v.verdict)[-1] AS verdict",
        {"ids": ids},
    )
    return {r["id"]: r["verdict"] for r in rows}


_ACTIVITY = """
UNWIND $ids AS id
MATCH (a:Account {id: id})-[:POSTED]->(p:Post) WHERE p.posted_at IS NOT NULL
WITH p, toString(date(p.posted_at)) AS day
OPTIONAL MATCH (p)<-[r:LIKED|COMMENTED|SHARED]-() WHERE r.at IS NOT NULL
WITH day, p, collect(toString(date(r.at))) AS rdays
RETURN day, p.interactions AS stored, rdays
"""


def activity_rows(graph: Graph, ids: list[str]) -> list[dict[str, Any]]:
    """One row per timed post of these accounts: `{day, stored, rdays}`, its day, its stored
    interaction total and the days of the interactions recorded with a time."""
    return graph.read(_ACTIVITY, {"ids": ids})


def post_texts(graph: Graph, ids: list[str]) -> dict[str, Any]:
    """Post id -> text, for the posts among `ids` that exist."""
    rows = graph.read(
        "UNWIND $ids AS id MATCH (p:Post {id: id}) RETURN p.id AS id, p.text AS text",
        {"ids": ids},
    )
    return {r["id"]: r["text"] for r in rows}


def images(graph: Graph, keys: list[str]) -> dict[str, dict[str, Any]]:
    """Image key -> `{key, path, url, sha256, phash}`, for the images that exist."""
    rows = graph.read(
        "UNWIND $keys AS k MATCH (i:Image {key: k}) RETURN i.key AS key, i.path AS path, "
        "i.url AS url, i.sha256 AS sha256, i.phash AS phash",
        {"keys": keys},
    )
    return {r["key"]: r for r in rows}


def ingested_paths(graph: Graph) -> list[str]:
    """The paths that ingest runs loaded from."""
    rows = graph.read("MATCH (r:IngestRun) RETURN DISTINCT r.path AS path")
    return [r["path"] for r in rows if isinstance(r["path"], str)]


# ---------------------------------------------------------------- network views

# Members, each with their interaction total (for node size).
_GROUP_MEMBERS = """
MATCH (g:Group {id: $id})<-[:MEMBER_OF]-(a:Account)
OPTIONAL MATCH (a)-[:POSTED]->(p:Post)
WITH g, a, sum(coalesce(p.interactions, 0)) AS interactions, count(p) AS posts
OPTIONAL MATCH (a)-[:MEMBER_OF]->(other:Group)
RETURN a {.id, .handle, .platform, .display_name, .bio, .followers, .created_at} AS account,
       interactions, posts, collect(DISTINCT other.id) AS groups, g.id AS group_id
ORDER BY account.id
"""

_GROUP_LINKS = """
MATCH (g:Group {id: $id})<-[:MEMBER_OF]-(a:Account)-[c:COORDINATED_WITH]->(b:Account)
      -[:MEMBER_OF]->(g)
RETURN a.id AS source, b.id AS target, c.weight AS weight, c.shared AS shared,
       c.signals AS signals
"""

# The group's shared items: exactly the items its score counted (`cibgraph.detect.items`).
_GROUP_ITEMS = """
MATCH (g:Group {id: $id})-[:EVIDENCE]->(it:Item)
CALL (g, it) {
  MATCH (g)<-[:MEMBER_OF]-(a:Account)-[:POSTED]->(:Post)-[:CARRIES]->(it)
  RETURN a.id AS member
  UNION ALL
  MATCH (g)<-[:MEMBER_OF]-(a:Account)-[:COMMENTED|SHARED]->(:Post)<-[:ABOUT]-(it)
  RETURN a.id AS member
}
WITH it, collect(DISTINCT member) AS members, count(member) AS posts
RETURN it.kind AS kind, it.key AS key, coalesce(it.preview, it.key) AS label, members, posts
ORDER BY size(members) DESC, posts DESC, key
LIMIT $max_items
"""


def group_members(graph: Graph, group_id: str) -> list[dict[str, Any]]:
    """A group's members, each with its interaction and post totals and its groups.
    Raises NotFound when there is no such group."""
    members = graph.read(_GROUP_MEMBERS, {"id": group_id})
    if not members:
        exists = graph.read("MATCH (g:Group {id: $id}) RETURN g.id AS id", {"id": group_id})
        if not exists:
            raise NotFound(f"no group with id {group_id!r}")
    return members


def group_links(graph: Graph, group_id: str) -> list[dict[str, Any]]:
    """The COORDINATED_WITH links between a group's members, from the group (the network
    view draws them in this order; `links_among` finds the same set from member ids)."""
    return graph.read(_GROUP_LINKS, {"id": group_id})


def group_items(graph: Graph, group_id: str, max_items: int) -> list[dict[str, Any]]:
    """A group's shared items, most widely shared first: `{kind, key, label, members, posts}`."""
    return graph.read(_GROUP_ITEMS, {"id": group_id, "max_items": max_items})


_ACCOUNT_CENTRE = """
MATCH (a:Account {id: $id})
OPTIONAL MATCH (a)-[:POSTED]->(p:Post)
OPTIONAL MATCH (a)-[:MEMBER_OF]->(g:Group)
RETURN a {.id, .handle, .platform, .display_name, .bio, .followers, .created_at} AS account,
       sum(coalesce(p.interactions, 0)) AS interactions, collect(DISTINCT g.id)[0] AS group_id
"""

# Accounts within one hop over coordination, follows, mentions and interactions.
_ACCOUNT_NEIGHBOURS = """
MATCH (a:Account {id: $id})-[r:COORDINATED_WITH|FOLLOWS|LIKED|COMMENTED|SHARED|MENTIONS|POSTED]-(x)
WITH a, r, x, CASE WHEN x:Post THEN x ELSE null END AS post
OPTIONAL MATCH (post)<-[:POSTED]-(author:Account) WHERE author <> a
OPTIONAL MATCH (post)-[:MENTIONS]->(mentioned:Account) WHERE mentioned <> a
WITH a, type(r) AS rel, [n IN [x, author, mentioned] WHERE n:Account AND n <> a] AS others
UNWIND others AS b
WITH a, b, collect(DISTINCT rel) AS rels, count(*) AS strength
OPTIONAL MATCH (b)-[:POSTED]->(bp:Post)
OPTIONAL MATCH (b)-[:MEMBER_OF]->(g:Group)
RETURN b {.id, .handle, .platform, .display_name, .bio, .followers, .created_at} AS account,
       rels, strength, sum(coalesce(bp.interactions, 0)) AS interactions,
       collect(DISTINCT g.id)[0] AS group_id
ORDER BY strength DESC, account.id
LIMIT $max_neighbours
"""


def account_centre(graph: Graph, account_id: str) -> dict[str, Any]:
    """An account with its interaction total and (first) group. Raises NotFound."""
    rows = graph.read(_ACCOUNT_CENTRE, {"id": account_id})
    if not rows or rows[0]["account"] is None:
        raise NotFound(f"no account with id {account_id!r}")
    return rows[0]


def account_neighbours(graph: Graph, account_id: str, limit: int) -> list[dict[str, Any]]:
    """The accounts one hop from this one, strongest first (see `_ACCOUNT_NEIGHBOURS`)."""
    return graph.read(_ACCOUNT_NEIGHBOURS, {"id": account_id, "max_neighbours": limit})


def account_briefs(graph: Graph, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Account id -> `{id, handle, bio, group_id}`, for the accounts that exist."""
    rows = graph.read(
        "UNWIND $ids AS id MATCH (a:Account {id: id}) "
        "OPTIONAL MATCH (a)-[:MEMBER_OF]->(g:Group) "
        "RETURN a.id AS id, a.handle AS handle, a.bio AS bio, collect(g.id)[0] AS group_id",
        {"ids": ids},
    )
    return {r["id"]: r for r in rows}


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
