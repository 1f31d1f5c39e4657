"""`bundled` reads: many rows to a record, one list per column, and `unbundle` giving the
rows back exactly as the plain read gives them (real server)."""

from __future__ import annotations

from typing import Any

import pytest

from cibgraph.db import Graph, bundled, unbundle

NODES = "MATCH (n:BundleProbe)"
EACH = "MATCH (n)-[:BUNDLE_PROBE]->(m)"
COLUMNS = {"n": "n.id", "m": "m.id", "w": "m.w"}


@pytest.fixture
def probe_graph(neo4j_server: Any) -> Any:
    g = Graph(neo4j_server)
    g.write("MATCH (n) WHERE n:BundleProbe OR n:BundleLeaf DETACH DELETE n")
    # 7 nodes with 0..3 leaves each; one leaf has no `w`, so its row is left out
    g.write(
        "UNWIND range(1, 7) AS i CREATE (n:BundleProbe {id: i}) "
        "WITH n, i UNWIND range(1, i % 4) AS j "
        "CREATE (n)-[:BUNDLE_PROBE]->(:BundleLeaf {id: i * 10 + j, "
        "w: CASE WHEN i = 5 AND j = 1 THEN null ELSE toString(j) END})"
    )
    try:
        yield g
    finally:
        g.write("MATCH (n) WHERE n:BundleProbe OR n:BundleLeaf DETACH DELETE n")
        g.close()


def plain(g: Graph) -> list[tuple[Any, ...]]:
    rows = g.read(f"{NODES} {EACH} WHERE m.w IS NOT NULL RETURN n.id AS n, m.id AS m, m.w AS w")
    return sorted((r["n"], r["m"], r["w"]) for r in rows)


@pytest.mark.parametrize("bundle", [1, 2, 3, 7, 5000])
def test_the_rows_of_the_plain_read_whatever_the_bundle(probe_graph: Graph, bundle: int) -> None:
    cypher = bundled(NODES, "n", EACH, COLUMNS)
    records = list(probe_graph.stream(cypher, {"bundle": bundle}))
    rows = list(unbundle(records, COLUMNS))
    assert sorted(rows) == plain(probe_graph)
    assert len(rows) == 1 + 2 + 3 + 0 + 1 + 2 + 3 - 1  # leaves per node, less the null one
    assert len(records) == -(-7 // bundle)  # one record per `bundle` nodes


def test_no_nodes_no_records(probe_graph: Graph) -> None:
    cypher = bundled("MATCH (n:BundleProbe) WHERE n.id > 100", "n", EACH, COLUMNS)
    assert list(probe_graph.stream(cypher, {"bundle": 3})) == []
