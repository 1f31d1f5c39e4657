"""Detect's per-item reads are planned afresh, not from a plan made on other statistics
(real server).

Neo4j reuses a cached plan until `dbms.cypher.min_replan_interval` has passed. A plan for
the image read made while the graph had posts but no images scans every post once per
image: 653 s instead of 0.5 s on 20,000 posts, and over ten minutes when detect ran right
after the demo's ingest in CI. Whether a stale plan is reused depends on the server's
timing, so this test does not always hit it. It checks that every per-item read asks for
a fresh plan; that, planned right after the graph has grown (index statistics not yet
resampled), each item's subquery only expands from its item, with no scan or join that
could visit every post once per item; and that the reads give the right actions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import neo4j

from cibgraph.db import Graph
from cibgraph.detect.pipeline import load_item_actions
from cibgraph.model import ensure_schema


class Bounded:
    """The `Graph` detect reads from, with a transaction timeout on every streamed read."""

    def __init__(self, graph: Graph, timeout: float | None) -> None:
        self.graph = graph
        self.timeout = timeout

        self.reads: list[tuple[str, dict[str, Any]]] = []

    def stream(self, cypher: str, params: dict[str, Any] | None = None, **_: Any) -> Iterator[Any]:
        self.reads.append((cypher, params or {}))
        return self.graph.stream(cypher, params, timeout=self.timeout)

    def stream_ahead(self, reads: Iterable[tuple[str, dict[str, Any]]], **_: Any) -> Iterator[Any]:
        reads = list(reads)
        self.reads += reads
        return self.graph.stream_ahead(reads, timeout=self.timeout)


# Operators that read posts other than through the bound item (per item, they are quadratic).
WIDE = ("Scan", "Seek", "HashJoin", "CartesianProduct", "ValueHashJoin")


def under_apply(plan: dict[str, Any], inside: bool = False) -> list[str]:
    """The operator types on the right-hand side (the per-row part) of every Apply."""
    op = plan["operatorType"]
    found = [op] if inside else []
    kids = plan.get("children", [])
    for n, child in enumerate(kids):
        per_row = inside or ("Apply" in op and n == len(kids) - 1)
        found += under_apply(child, per_row)
    return found


def test_item_reads_do_not_reuse_a_plan_made_before_images_existed(graph: Graph) -> None:
    ensure_schema(graph)  # the stale plan scans the index on posted_at
    graph.write(
        "UNWIND range(1, 500) AS x "
        "CREATE (:Account {id: 'a' + x})-[:POSTED]->(:Post {id: 'p' + x, posted_at: datetime()})"
    )
    load_item_actions(graph, {}, {})  # the reads' plans are cached now
    # 6,000 more posts, two to each of 3,000 images, loaded at once
    graph.write(
        "UNWIND range(1, 6000) AS x "
        "CREATE (a:Account {id: 'b' + x})-[:POSTED]->(p:Post {id: 'q' + x, "
        "posted_at: datetime('2024-01-01T00:00:00Z') + duration({seconds: x})}) "
        "MERGE (i:Image {key: 'k' + (x / 2)}) CREATE (p)-[:HAS_MEDIA]->(i)"
    )
    # No timeout: in one CI run a read here outlived 20 s even with the fresh plan, so the
    # fix is not shown to be the whole cure (docs/detection.md); the result must be right.
    bounded = Bounded(graph, timeout=None)
    cols, _ = load_item_actions(bounded, {}, {})  # type: ignore[arg-type]
    assert cols.actions == 6000 - 2  # every image has two posts but 'k0' and 'k3000'
    item_reads = [(q, p) for q, p in bounded.reads if "AS ps" in q]
    assert len(item_reads) == 4  # images, captions (one range), links, comments
    assert all(q.startswith("CYPHER replan=force ") for q, _ in item_reads), item_reads
    # every one expands from its item (a caption key's posts) in a subquery
    subqueries = [(q, p) for q, p in item_reads if "CALL (" in q]
    assert len(subqueries) == 4
    with graph.driver.session(database=graph.database) as s:
        for q, params in subqueries:
            cypher = q.replace("CYPHER replan=force ", "CYPHER replan=force EXPLAIN ", 1)
            plan = s.run(neo4j.Query(cypher), params).consume().plan
            assert plan is not None
            per_item = under_apply(plan)
            assert per_item and any("Expand" in op for op in per_item), (q, per_item)
            assert not [op for op in per_item if any(w in op for w in WIDE)], (q, per_item)
