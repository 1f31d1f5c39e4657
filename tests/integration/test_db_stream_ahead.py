"""`Graph.stream_ahead`: several reads' rows in order, the next read already running on the
server while the current one's rows are consumed (real server)."""

from __future__ import annotations

from typing import Any

import pytest

from cibgraph.db import Graph
from cibgraph.errors import ServerMemoryExceeded

READ = "UNWIND range($lo, $hi) AS x RETURN x, $tag AS tag"


@pytest.mark.parametrize("fetch_size", [None, 1, 7])
def test_rows_of_every_read_in_order(neo4j_server: Any, fetch_size: int | None) -> None:
    g = Graph(neo4j_server)
    try:
        bounds = [(1, 2500), (2501, 2501), (2502, 2501), (2502, 7000), (7001, 7003)]
        reads = [(READ, {"lo": lo, "hi": hi, "tag": n}) for n, (lo, hi) in enumerate(bounds)]
        rows = [(r["x"], r["tag"]) for r in g.stream_ahead(reads, fetch_size=fetch_size)]
        assert [x for x, _ in rows] == list(range(1, 7004))
        assert [t for _, t in rows] == sorted(t for _, t in rows)  # read by read
        assert list(g.stream_ahead([])) == []
        assert [r["x"] for r in g.stream_ahead([(READ, {"lo": 1, "hi": 3, "tag": 0})])] == [
            1,
            2,
            3,
        ]
    finally:
        g.close()


def test_the_next_read_runs_while_the_current_one_is_consumed(neo4j_server: Any) -> None:
    g = Graph(neo4j_server)
    try:
        marker = "stream_ahead_probe_7f3a"
        # more rows than one fetch: each read's transaction stays open until drained
        reads = [
            (f"UNWIND range(1, 5000) AS x RETURN x, '{marker}-{n}' AS m", {}) for n in range(3)
        ]
        rows = g.stream_ahead(reads)
        assert next(rows)["x"] == 1  # the first read's first row; the second is sent
        running = [
            r["q"]
            for r in g.read("SHOW TRANSACTIONS YIELD currentQuery AS q RETURN q")
            if marker in (r["q"] or "")
        ]
        assert any(f"{marker}-1" in q for q in running), running
        assert not any(f"{marker}-2" in q for q in running), running  # one ahead, not all
        assert len(list(rows)) == 3 * 5000 - 1
    finally:
        g.close()


def test_a_read_out_of_server_memory_is_one_clear_error(neo4j_server: Any) -> None:
    g = Graph(neo4j_server)
    too_big = "UNWIND range(1, 1000000000) AS x WITH x % 200000000 AS k, count(*) AS n RETURN k"
    try:
        with pytest.raises(ServerMemoryExceeded):
            for _ in g.stream_ahead([(READ, {"lo": 1, "hi": 10, "tag": 0}), (too_big, {})]):
                pass
        assert g.read("RETURN 1 AS ok") == [{"ok": 1}]
    finally:
        g.close()
