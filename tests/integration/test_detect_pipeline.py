"""`run_detection` on the planted graph: groups written once, re-running changes nothing."""

from __future__ import annotations

from typing import Any

from _detect_planted import COORDINATED, plant

from cibgraph.cypher.runner import run_stored
from cibgraph.detect import run_detection
from cibgraph.detect.pipeline import group_id


def _snapshot(graph: Any) -> dict[str, Any]:
    return {
        "counts": graph.counts(),
        "groups": graph.read(
            "MATCH (g:Group)<-[:MEMBER_OF]-(a:Account) WITH g, a ORDER BY a.id "
            "RETURN g.id AS id, g.score AS score, g.signals AS signals, "
            "g.explanation AS explanation, g.evidence_json AS evidence, "
            "g.detected_at AS detected_at, collect(a.id) AS members ORDER BY id"
        ),
        "edges": graph.read(
            "MATCH (a)-[r:COORDINATED_WITH]->(b) RETURN a.id AS a, b.id AS b, r.weight AS w, "
            "r.signals AS s ORDER BY a, b"
        ),
        "near": graph.read(
            "MATCH (a)-[r:NEAR_DUPLICATE]->(b) RETURN a.key AS a, b.key AS b, r.distance AS d "
            "ORDER BY a, b"
        ),
    }


def test_detect_writes_groups_and_is_idempotent(graph: Any) -> None:
    plant(graph)
    assert run_stored(graph, "coordinated_groups").rows == []  # nothing before detect
    report = run_detection(graph)
    assert report.groups == 1 and report.grouped_accounts == 3
    assert report.near_duplicates == 2  # the x1 copy and the borrowed photo
    first = _snapshot(graph)
    assert first["groups"][0]["members"] == sorted(COORDINATED)
    assert first["groups"][0]["id"] == group_id(COORDINATED)
    again = run_detection(graph)
    assert again.groups == 1
    assert _snapshot(graph) == first


def test_detect_removes_stale_results(graph: Any) -> None:
    plant(graph)
    run_detection(graph)
    # with a stricter edge threshold nothing is coordinated any more: old results go
    report = run_detection(graph, min_edge_weight=1000.0, max_phash_distance=1)
    assert report.groups == 0 and report.coordination_edges == 0
    assert graph.read("MATCH (g:Group) RETURN count(g) AS n")[0]["n"] == 0
    assert graph.read("MATCH ()-[r:COORDINATED_WITH]->() RETURN count(r) AS n")[0]["n"] == 0
    assert (
        graph.read("MATCH ()-[r:NEAR_DUPLICATE]->() WHERE r.distance > 1 RETURN count(r) AS n")[0][
            "n"
        ]
        == 0
    )


def test_fans_alone_form_no_group(graph: Any) -> None:
    plant(graph)
    graph.write("MATCH (a:Account) WHERE a.id IN $ids DETACH DELETE a", {"ids": COORDINATED})
    report = run_detection(graph)
    assert report.groups == 0
    # yet plain co-share counting pairs them
    assert run_stored(graph, "co_posting_pairs").rows
