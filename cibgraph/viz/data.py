"""Read the graph for the views: a group, an account's neighbourhood, a stored query.

All reads are parameterised and run in read transactions (`Graph.read`).
"""

from __future__ import annotations

from typing import Any

from cibgraph.cypher.catalogue import StoredQuery
from cibgraph.db import Graph, to_jsonable
from cibgraph.errors import NotFound
from cibgraph.reads import run_stored
from cibgraph.viz.render import ViewData, ViewEdge, ViewNode, rows_to_view

_ACCOUNT_PROPS = ("handle", "platform", "display_name", "bio", "followers", "created_at")

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


def group_view(graph: Graph, group_id: str, *, max_items: int = 200) -> ViewData:
    members = graph.read(_GROUP_MEMBERS, {"id": group_id})
    if not members:
        exists = graph.read("MATCH (g:Group {id: $id}) RETURN g.id AS id", {"id": group_id})
        if not exists:
            raise NotFound(f"no group with id {group_id!r}")
    nodes: list[ViewNode] = []
    for row in members:
        acc = to_jsonable(row["account"])
        props = {k: acc.get(k) for k in _ACCOUNT_PROPS}
        props["posts"] = row["posts"]
        props["interactions"] = row["interactions"]
        props["groups"] = row["groups"]
        nodes.append(
            ViewNode(
                acc["id"],
                acc.get("handle") or acc["id"],
                "Account",
                str(group_id),
                1.0 + float(row["interactions"] or 0),
                props,
            )
        )
    edges = [
        ViewEdge(
            r["source"],
            r["target"],
            f"weight {r['weight']}, shared {r['shared']}, signals {to_jsonable(r['signals'])}",
            float(r["weight"] or 1),
        )
        for r in graph.read(_GROUP_LINKS, {"id": group_id})
    ]
    for r in graph.read(_GROUP_ITEMS, {"id": group_id, "max_items": max_items}):
        item_id = str(r["key"])
        nodes.append(
            ViewNode(
                item_id,
                str(r["label"] or r["key"]),
                "Item",
                f"shared {r['kind']}",
                float(r["posts"]),
                {"kind": r["kind"], "posted by members": len(r["members"])},
                key=item_id,
            )
        )
        edges += [ViewEdge(m, item_id, "posted", 1.0) for m in r["members"]]
    return ViewData(f"Group {group_id}", nodes, edges)


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


def account_view(graph: Graph, account_id: str, *, max_neighbours: int = 300) -> ViewData:
    centre = graph.read(_ACCOUNT_CENTRE, {"id": account_id})
    if not centre or centre[0]["account"] is None:
        raise NotFound(f"no account with id {account_id!r}")

    def make(row: dict[str, Any]) -> ViewNode:
        acc = to_jsonable(row["account"])
        props = {k: acc.get(k) for k in _ACCOUNT_PROPS}
        props["interactions"] = row["interactions"]
        return ViewNode(
            acc["id"],
            acc.get("handle") or acc["id"],
            "Account",
            str(row["group_id"]) if row["group_id"] is not None else "",
            1.0 + float(row["interactions"] or 0),
            props,
        )

    nodes = [make(centre[0])]
    edges: list[ViewEdge] = []
    for row in graph.read(
        _ACCOUNT_NEIGHBOURS, {"id": account_id, "max_neighbours": max_neighbours}
    ):
        n = make(row)
        nodes.append(n)
        edges.append(ViewEdge(account_id, n.id, ", ".join(row["rels"]), float(row["strength"])))
    return ViewData(f"Account {account_id} and its neighbourhood", nodes, edges)


def query_view(
    graph: Graph,
    name: str,
    params: dict[str, Any],
    *,
    catalogue: dict[str, StoredQuery] | None = None,
) -> ViewData:
    """A stored query returning accounts or pairs; nodes get handles and groups."""
    result = run_stored(graph, name, params, catalogue=catalogue)
    data = rows_to_view(f"Stored query {name}", result.rows, result.view)
    ids = [n.id for n in data.nodes]
    if ids:
        info = graph.read(
            "UNWIND $ids AS id MATCH (a:Account {id: id}) "
            "OPTIONAL MATCH (a)-[:MEMBER_OF]->(g:Group) "
            "RETURN a.id AS id, a.handle AS handle, a.bio AS bio, collect(g.id)[0] AS group_id",
            {"ids": ids},
        )
        by_id = {r["id"]: r for r in info}
        for n in data.nodes:
            r = by_id.get(n.id)
            if r:
                n.label = r["handle"] or n.label
                n.props.setdefault("handle", r["handle"])
                n.props.setdefault("bio", r["bio"])
                if r["group_id"] is not None and not n.group:
                    n.group = str(r["group_id"])
    return data
