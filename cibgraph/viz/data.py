"""The network views' data: a group, an account's neighbourhood, a stored query.

The graph is read through the read model (`cibgraph.reads`); this module only
shapes the rows into nodes and edges.
"""

from __future__ import annotations

from typing import Any

from cibgraph import reads
from cibgraph.cypher.catalogue import StoredQuery
from cibgraph.db import Graph, to_jsonable
from cibgraph.viz.render import ViewData, ViewEdge, ViewNode, rows_to_view

_ACCOUNT_PROPS = ("handle", "platform", "display_name", "bio", "followers", "created_at")


def group_view(graph: Graph, group_id: str, *, max_items: int = 200) -> ViewData:
    members = reads.group_members(graph, group_id)  # raises NotFound
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
        for r in reads.group_links(graph, group_id)
    ]
    for r in reads.group_items(graph, group_id, max_items):
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


def account_view(graph: Graph, account_id: str, *, max_neighbours: int = 300) -> ViewData:
    centre = reads.account_centre(graph, account_id)  # raises NotFound

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

    nodes = [make(centre)]
    edges: list[ViewEdge] = []
    for row in reads.account_neighbours(graph, account_id, max_neighbours):
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
    result = reads.run_stored(graph, name, params, catalogue=catalogue)
    data = rows_to_view(f"Stored query {name}", result.rows, result.view)
    ids = [n.id for n in data.nodes]
    if ids:
        by_id = reads.account_briefs(graph, ids)
        for n in data.nodes:
            r = by_id.get(n.id)
            if r:
                n.label = r["handle"] or n.label
                n.props.setdefault("handle", r["handle"])
                n.props.setdefault("bio", r["bio"])
                if r["group_id"] is not None and not n.group:
                    n.group = str(r["group_id"])
    return data
