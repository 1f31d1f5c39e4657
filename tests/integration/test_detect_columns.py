"""The columnar action reader (real server) gives exactly the actions the per-row reader gave,
and detection on it writes the same graph twice over."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _detect_planted import plant as plant_planted
from _detect_tactics import plant as plant_tactics
from conftest import wipe

from cibgraph.db import Graph
from cibgraph.detect import run_detection
from cibgraph.detect.coordination import group_actions
from cibgraph.detect.items import comment_item, image_item, text_item, url_item
from cibgraph.detect.pipeline import (
    Captions,
    caption_ranges,
    load_item_actions,
    text_previews,
    write_near_duplicates,
)
from cibgraph.detect.text_similarity import text_clusters

ROW = "RETURN a.id AS a, {t} AS t, p.id AS p, {k} AS k"


def _per_row(graph: Graph, image_cluster: dict[str, str], text_cluster: dict[str, str]) -> Any:
    """The reference: one row per action, as detect read them before the columns."""
    posted, at = "MATCH (a:Account)-[:POSTED]->(p:Post)", "p.posted_at.epochSeconds"
    acts: list[tuple[str, str, int, str]] = []
    for cypher, item_of in (
        (
            f"{posted}-[:HAS_MEDIA]->(i:Image) WHERE p.posted_at IS NOT NULL "
            + ROW.format(t=at, k="i.key"),
            lambda k: image_item(image_cluster.get(k, k)),
        ),
        (
            f"{posted} WHERE p.text_key IS NOT NULL AND p.posted_at IS NOT NULL "
            + ROW.format(t=at, k="p.text_key"),
            lambda k: text_item(text_cluster.get(k, k)),
        ),
        (
            f"{posted}-[:LINKS_TO]->(u) WHERE p.posted_at IS NOT NULL "
            + ROW.format(t=at, k="u.url"),
            url_item,
        ),
        (
            "MATCH (a:Account)-[c:COMMENTED|SHARED]->(p:Post) WHERE c.at IS NOT NULL "
            + ROW.format(t="c.at.epochSeconds", k="p.id"),
            comment_item,
        ),
    ):
        acts += [(item_of(r["k"]), r["a"], r["t"], r["p"]) for r in graph.read(cypher)]
    by_item = group_actions(acts)
    return {k: v for k, v in by_item.items() if len({a for _, a, _ in v}) >= 2}


COMMENTS = (
    "MATCH (a:Account) WITH a ORDER BY a.id LIMIT 6 "
    "MATCH (p:Post) WITH a, p ORDER BY p.id LIMIT 4 "
    "MERGE (a)-[c:COMMENTED]->(p) "
    "SET c.at = datetime({epochSeconds: 1600000000 + size(a.id) * 7 + size(p.id)})"
)


@pytest.fixture(scope="module", params=["tactics", "planted"])
def tactics(neo4j_server: Any, request: pytest.FixtureRequest) -> Iterator[Graph]:
    g = Graph(neo4j_server)
    wipe(g)
    (plant_tactics if request.param == "tactics" else plant_planted)(g)
    g.write(COMMENTS)
    yield g
    g.close()


def test_columns_equal_the_per_row_reader(tactics: Graph, request: pytest.FixtureRequest) -> None:
    *_, image_cluster = write_near_duplicates(tactics, 6)
    captions = Captions(tactics)
    text_cluster = text_clusters(captions.texts())
    # in the tactics graph some clustered captions are carried by one post only: those are
    # read by key after the join
    clustered = set(text_cluster) | set(text_cluster.values())
    once = [k for k in clustered if text_item(k) not in captions.builder]
    assert once or "tactics" not in request.node.name
    cols, previews = load_item_actions(tactics, image_cluster, text_cluster, captions=captions)
    ref = _per_row(tactics, image_cluster, text_cluster)
    assert {k.split(":")[0] for k in ref} >= {"img", "text", "comment"}
    assert list(cols) == sorted(ref)
    assert dict(cols.items()) == ref
    assert all(previews[k] == k[4:] for k in cols if k.startswith("url:"))
    # a text item's preview is the smallest text of the key that names it
    texts = text_previews(tactics, cols)
    smallest = {
        text_item(r["k"]): r["t"]
        for r in tactics.read(
            "MATCH (p:Post) WHERE p.text_key IS NOT NULL AND p.text IS NOT NULL "
            "RETURN p.text_key AS k, min(p.text) AS t"
        )
    }
    # (the planted graph's captions are keys without text)
    assert texts == {k: smallest[k] for k in cols if k in smallest}
    assert texts or "planted" in request.node.name


def test_caption_reads_in_key_ranges_equal_one_read(tactics: Graph) -> None:
    """Reads split by caption-key range (how detect bounds the server's memory at millions of
    posts) give the same captions and the same actions as one read."""
    *_, image_cluster = write_near_duplicates(tactics, 6)
    whole = list(Captions(tactics).texts())
    posts = tactics.read("MATCH (p:Post) RETURN count(p) AS n")[0]["n"]
    ranges = caption_ranges(tactics, per_read=max(1, posts // 40))
    assert len(ranges) == 256
    split = list(Captions(tactics, ranges).texts())
    assert len(split) == len(whole) == len(dict(whole))
    assert dict(split) == dict(whole)
    text_cluster = text_clusters(whole)
    cols, _ = load_item_actions(tactics, image_cluster, text_cluster, ranges=ranges)
    assert dict(cols.items()) == _per_row(tactics, image_cluster, text_cluster)


def test_detection_on_columns_is_stable(tactics: Graph) -> None:
    def snapshot() -> Any:
        return (
            tactics.counts(),
            tactics.read(
                "MATCH (a)-[r:COORDINATED_WITH]->(b) RETURN a.id AS a, b.id AS b, "
                "r.weight AS w, r.scale_seconds AS s ORDER BY a, b"
            ),
            tactics.read(
                "MATCH (g:Group) RETURN g.id AS id, g.score AS s, g.evidence_json AS e ORDER BY id"
            ),
            tactics.read(
                "MATCH (p:Post)-[:CARRIES]->(i:Item) RETURN p.id AS p, i.key AS k ORDER BY p, k"
            ),
            tactics.read(
                "MATCH (i:Item) RETURN i.key AS k, i.kind AS kind, i.sharers AS s, "
                "i.actions AS a, i.preview AS pv ORDER BY k"
            ),
        )

    first = run_detection(tactics)
    before = snapshot()
    second = run_detection(tactics)
    assert snapshot() == before
    assert first.groups == second.groups >= 1 and first.actions == second.actions > 0
    # a rerun writes only the items that changed, and puts back what was changed by hand
    tactics.write(
        "MATCH (i:Item) WITH i ORDER BY i.key LIMIT 3 "
        "SET i.sharers = 0, i.preview = 'edited' REMOVE i.kind"
    )
    run_detection(tactics)
    assert snapshot() == before
    # an item is taken away: its CARRIES go, the others stay untouched
    tactics.write("MATCH (p:Post)-[r:LINKS_TO]->() DELETE r")
    run_detection(tactics)
    assert not tactics.read("MATCH (:Post)-[:CARRIES]->(i:Item {kind: 'url'}) RETURN i LIMIT 1")


def test_detect_over_its_memory_budget_says_so(tactics: Graph) -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "cibgraph.cli", "detect", "--memory-budget-mb", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 1, out.stderr[-2000:]
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert "over its memory budget of 1 MiB" in lines[0] and "MiB" in lines[0].split("holds")[1]
