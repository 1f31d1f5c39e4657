"""A content fingerprint of the whole graph, for "same graph" checks.

Nodes are named by label and key (not internal ids), relationships by their
ends and type, properties are hashed with their values; the digest is
order-free. The wall-clock times of ingest runs are left out: they say when
a load ran, not what it loaded.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cibgraph.db import Graph
from cibgraph.ingest.runs import WALL_CLOCK_PROPS
from cibgraph.model import NODE_KEYS

_NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
_RELS = (
    "MATCH (a)-[r]->(b) RETURN labels(a) AS la, properties(a) AS pa, type(r) AS t, "
    "properties(r) AS pr, labels(b) AS lb, properties(b) AS pb"
)


def _name(labels: list[str], props: dict[str, Any]) -> str:
    for lbl in sorted(labels):
        if lbl in NODE_KEYS:
            return f"{lbl}:{props.get(NODE_KEYS[lbl])}"
    return f"{sorted(labels)}:{json.dumps(props, sort_keys=True, default=str)}"


def _props(labels: list[str], props: dict[str, Any]) -> str:
    if "IngestRun" in labels:
        props = {k: v for k, v in props.items() if k not in WALL_CLOCK_PROPS}
    return json.dumps(props, sort_keys=True, default=str)


def fingerprint(graph: Graph) -> dict[str, Any]:
    """{"nodes": n, "relationships": m, "digest": hex}: equal digests mean equal graphs."""
    node_digests: list[bytes] = []
    rel_digests: list[bytes] = []
    with graph.session(read_only=True) as s:
        for rec in s.run(_NODES):
            text = _name(rec["labels"], rec["props"]) + "|" + _props(rec["labels"], rec["props"])
            node_digests.append(hashlib.sha1(text.encode("utf-8")).digest())
        for rec in s.run(_RELS):
            text = "|".join(
                (
                    _name(rec["la"], rec["pa"]),
                    rec["t"],
                    _name(rec["lb"], rec["pb"]),
                    json.dumps(rec["pr"], sort_keys=True, default=str),
                )
            )
            rel_digests.append(hashlib.sha1(text.encode("utf-8")).digest())
    h = hashlib.sha256()
    for d in sorted(node_digests):
        h.update(d)
    h.update(b"--")
    for d in sorted(rel_digests):
        h.update(d)
    return {"nodes": len(node_digests), "relationships": len(rel_digests), "digest": h.hexdigest()}


def wipe_graph(graph: Graph, rows_per_tx: int = 10_000) -> None:
    """Delete every node and relationship (schema stays), relationships first so a
    node with a very high degree never has to go in one transaction."""
    with graph.session() as s:
        s.run(
            f"MATCH ()-[r]->() CALL (r) {{ DELETE r }} IN TRANSACTIONS OF {int(rows_per_tx)} ROWS"
        ).consume()
        s.run(
            f"MATCH (n) CALL (n) {{ DELETE n }} IN TRANSACTIONS OF {int(rows_per_tx)} ROWS"
        ).consume()
