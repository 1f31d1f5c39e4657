"""`detect --engine spark`: the Spark engine finds exactly the in-process engine's pairs.

Pure parity on planted `by_item` dicts (ties, an account repeating itself,
staggered bursts, items over `max_sharers`, negative times), then on the
planted graphs against the real server: the same COORDINATED_WITH edges,
weights and groups. Spark runs in local mode, one session for the module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from _co_action_cases import CASES, planted_actions, random_actions

from cibgraph.detect.actions import from_tuples
from cibgraph.detect.coordination import SCALES, co_actions, group_actions
from cibgraph.detect.spark_engine import SparkUnavailable, require_spark, spark_co_actions

pytest.importorskip(
    "pyspark", reason="pyspark is not installed: pip install 'cibgraph[spark]' (setup.sh does)"
)
pytest.importorskip("pyarrow", reason="pyarrow is not installed: pip install 'cibgraph[spark]'")

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from cibgraph.detect.spark_engine import spark_session

    # tiny inputs: one core, one shuffle partition, no whole-stage code generation and a
    # JVM tuned for start-up, so Spark's fixed costs dominate as little as they can
    session = spark_session(
        "local[1]",
        **{
            "spark.sql.shuffle.partitions": "1",
            "spark.default.parallelism": "1",
            "spark.driver.memory": "512m",
            "spark.sql.adaptive.enabled": "false",
            "spark.sql.codegen.wholeStage": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        },
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize(("scales", "max_sharers"), CASES)
def test_planted_items_give_the_same_pairs_coactions_and_sharers(
    spark: Any, scales: tuple[int, ...], max_sharers: int | None
) -> None:
    by_item = group_actions(planted_actions())
    want = co_actions(by_item, max(scales), max_sharers=max_sharers, scales=scales)
    got = spark_co_actions(
        by_item, max(scales), max_sharers=max_sharers, scales=scales, spark=spark
    )
    assert got[1] == want[1]
    assert got[0] == want[0]
    assert want[0]  # the case has pairs at all
    if max_sharers == 10:
        assert not any("img:viral" in cas for cas in got[0].values())
        assert any("img:ten" in cas for cas in got[0].values())
    if 600 in scales:
        bursts = {ca.burst_from for cas in got[0].values() for ca in cas.values()}
        assert {0, 600} <= bursts


def test_random_items_give_the_same_pairs_and_the_min_shared_prefilter(spark: Any) -> None:
    by_item = group_actions(random_actions(3) + planted_actions())
    pairs, sharers = co_actions(by_item, max(SCALES), max_sharers=20, scales=SCALES)
    got, got_sharers = spark_co_actions(
        by_item, max(SCALES), max_sharers=20, scales=SCALES, spark=spark
    )
    assert got_sharers == sharers and got == pairs
    kept, _ = spark_co_actions(
        by_item, max(SCALES), max_sharers=20, scales=SCALES, min_shared=2, spark=spark
    )
    assert kept == {k: v for k, v in pairs.items() if len(v) >= 2}
    assert 0 < len(kept) < len(pairs)
    # detect's own input, the Arrow columns, exported as they are: the same again
    cols = from_tuples(random_actions(3) + planted_actions())
    assert spark_co_actions(cols, max(SCALES), max_sharers=20, scales=SCALES, spark=spark) == (
        co_actions(cols, max(SCALES), max_sharers=20, scales=SCALES)
    )
    assert co_actions(cols, max(SCALES), max_sharers=20, scales=SCALES)[0] == pairs


def test_no_actions_gives_nothing(spark: Any) -> None:
    assert spark_co_actions({}, 60, spark=spark) == ({}, {})


def test_missing_pyspark_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(SparkUnavailable, match=r"pip install 'cibgraph\[spark\]'"):
        require_spark()


# ---------------------------------------------------------------- against the real server


def _results(graph: Any) -> dict[str, Any]:
    return {
        "edges": graph.read(
            "MATCH (a:Account)-[r:COORDINATED_WITH]->(b:Account) "
            "RETURN a.id AS a, b.id AS b, properties(r) AS r ORDER BY a, b"
        ),
        "groups": graph.read(
            "MATCH (g:Group)<-[:MEMBER_OF]-(a:Account) WITH g, a ORDER BY a.id "
            "WITH g, collect(a.id) AS members "
            "OPTIONAL MATCH (g)-[:EVIDENCE]->(i:Item) WITH g, members, i ORDER BY i.key "
            "RETURN g.id AS id, members, g.size AS size, g.score AS score, "
            "g.signals AS signals, g.explanation AS explanation, "
            "g.evidence_json AS evidence, collect(i.key) AS items ORDER BY id"
        ),
    }


@pytest.mark.parametrize("planted", ["_detect_planted", "_detect_tactics"])
def test_spark_engine_writes_the_same_edges_and_groups(
    graph: Any, spark: Any, planted: str
) -> None:
    from cibgraph.detect import run_detection

    __import__(planted).plant(graph)
    python_report = run_detection(graph)
    want = _results(graph)
    # detection is idempotent, so on the same graph any difference in the Spark engine's
    # pairs shows as edges deleted, added or re-weighted, or groups rewritten
    spark_report = run_detection(graph, engine="spark")
    got = _results(graph)
    assert want["edges"] and want["groups"]
    assert got == want
    assert spark_report.candidate_pairs == python_report.candidate_pairs
    assert spark_report.coordination_edges == python_report.coordination_edges
    print(
        f"{planted}: co_posting python {python_report.seconds['co_posting']} s, "
        f"spark {spark_report.seconds['co_posting']} s"
    )


def test_unknown_engine_is_refused(graph: Any) -> None:
    from cibgraph.detect import run_detection

    with pytest.raises(ValueError, match="engine must be 'python' or 'spark'"):
        run_detection(graph, engine="dask")


def test_cli_refuses_an_unknown_engine_before_connecting() -> None:
    from typer.testing import CliRunner

    from cibgraph.cli import app

    result = CliRunner().invoke(app, ["detect", "--engine", "dask"])
    assert result.exit_code == 2
    assert "--engine takes python or spark" in result.output
