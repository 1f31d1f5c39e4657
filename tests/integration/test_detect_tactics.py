"""Detection v2 on a planted graph (real server): tactics at other time scales, traps beside them,
and one definition of a shared item read alike by score, evidence and view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from _detect_tactics import CHAIN, CREW, HEAVY, NEWS, SCHEDULER, plant
from conftest import wipe

from cibgraph.cypher.runner import run_stored
from cibgraph.db import Graph
from cibgraph.detect import run_detection
from cibgraph.viz.data import group_view


@pytest.fixture(scope="module")
def detected(neo4j_server: Any) -> Iterator[tuple[Graph, Any]]:
    g = Graph(neo4j_server)
    wipe(g)
    plant(g)
    report = run_detection(g)
    yield g, report
    g.close()


def _groups(graph: Graph) -> list[dict[str, Any]]:
    return run_stored(graph, "coordinated_groups", {}).rows


def _linked(graph: Graph) -> set[str]:
    rows = graph.read("MATCH (a:Account)-[:COORDINATED_WITH]-() RETURN DISTINCT a.id AS id")
    return {r["id"] for r in rows}


def test_staggered_scheduler_found_with_default_options(detected: tuple[Graph, Any]) -> None:
    graph, _ = detected
    groups = {frozenset(g["members"]): g for g in _groups(graph)}
    assert frozenset(SCHEDULER) in groups
    g = groups[frozenset(SCHEDULER)]
    assert "minutes apart" in g["explanation"]
    assert "nearly always in the same order (a scheduler-like stagger)" in g["explanation"]
    edge = graph.read(
        "MATCH (a:Account {id: $a})-[r:COORDINATED_WITH]->(b:Account {id: $b}) "
        "RETURN properties(r) AS r",
        {"a": SCHEDULER[0], "b": SCHEDULER[1]},
    )[0]["r"]
    assert edge["scale_seconds"] == 600 and 60 not in edge["scales"]
    assert 280 <= edge["median_lag_seconds"] <= 320
    assert edge["lead_share"] == 1.0 and edge["other_lead_share"] == 0.0


def test_one_minute_override_misses_the_stagger(neo4j_server: Any) -> None:
    g = Graph(neo4j_server)
    try:
        run_detection(g, window_seconds=60)
        assert frozenset(SCHEDULER) not in {frozenset(x["members"]) for x in _groups(g)}
        run_detection(g, window_seconds=900)
        assert frozenset(SCHEDULER) in {frozenset(x["members"]) for x in _groups(g)}
    finally:
        run_detection(g)
        g.close()


def test_paraphrased_caption_crew_found(detected: tuple[Graph, Any]) -> None:
    graph, report = detected
    assert report.near_identical_texts > 0
    assert frozenset(CREW) in {frozenset(g["members"]) for g in _groups(graph)}


def test_news_cascade_with_heavy_posters_links_no_one(detected: tuple[Graph, Any]) -> None:
    graph, _ = detected
    assert not _linked(graph) & set(HEAVY + NEWS)
    # the cascades were seen: their photos became shared items with many sharers
    rows = graph.read(
        "MATCH (:Account {id: $h})-[:POSTED]->(:Post)-[:CARRIES]->(it:Item) RETURN it.sharers AS n",
        {"h": HEAVY[0]},
    )
    assert len(rows) >= 12 and min(r["n"] for r in rows) >= 60


def test_chain_letter_links_no_one(detected: tuple[Graph, Any]) -> None:
    graph, _ = detected
    assert not _linked(graph) & set(CHAIN)
    # the edited copies were folded into one text item per letter
    rows = graph.read(
        "MATCH (:Account {id: $c})-[:POSTED]->(:Post)-[:CARRIES]->(it:Item {kind: 'text'}) "
        "RETURN it.sharers AS n",
        {"c": CHAIN[0]},
    )
    assert rows and all(r["n"] >= 100 for r in rows)


def test_only_the_two_planted_groups(detected: tuple[Graph, Any]) -> None:
    graph, _ = detected
    assert {frozenset(g["members"]) for g in _groups(graph)} == {
        frozenset(SCHEDULER),
        frozenset(CREW),
    }


def test_quiet_block_comes_back_whole(detected: tuple[Graph, Any]) -> None:
    graph, _ = detected
    rows = run_stored(graph, "went_quiet_together", {}).rows
    assert [sorted(r["account_ids"]) for r in rows] == [sorted(SCHEDULER)]
    first, last = (date.fromisoformat(rows[0][k]) for k in ("went_quiet_on", "last_post_on"))
    assert (last - first).days == 3
    # on one calendar day, as before, it would not be a block at all
    assert run_stored(graph, "went_quiet_together", {"tolerance_days": 0}).rows == []


def test_view_evidence_and_score_agree_item_for_item(detected: tuple[Graph, Any]) -> None:
    graph, _ = detected
    for members in (SCHEDULER, CREW):
        g = next(x for x in _groups(graph) if set(x["members"]) == set(members))
        gid = g["group_id"]
        stored = json.loads(
            graph.read("MATCH (g:Group {id: $id}) RETURN g.evidence_json AS e", {"id": gid})[0]["e"]
        )
        score_items = {x["item"] for x in stored["items"]}
        assert len(score_items) == stored["facts"]["items"]
        evidence_items = {
            r["item"] for r in run_stored(graph, "group_evidence", {"group_id": gid}).rows
        }
        view = group_view(graph, gid, max_items=1000)
        view_items = {n.id for n in view.nodes if n.kind == "Item"}
        assert score_items == evidence_items == view_items
        assert len(score_items) >= 10
