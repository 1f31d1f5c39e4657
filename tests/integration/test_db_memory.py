"""A read the server cannot hold in its transaction memory is one clear error, at once,
and `cibgraph detect` says so in one line instead of a traceback (real server)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from typer.testing import CliRunner

from cibgraph.cli import app
from cibgraph.db import Graph
from cibgraph.errors import ServerMemoryExceeded

# Every one of the first 2e8 rows opens a group: far past 70 % of any test server's heap.
TOO_BIG = "UNWIND range(1, 1000000000) AS x WITH x % 200000000 AS k, count(*) AS n RETURN k, n"


def test_stream_over_the_transaction_memory_is_one_clear_error(neo4j_server: Any) -> None:
    g = Graph(neo4j_server)
    try:
        t = time.perf_counter()
        with pytest.raises(ServerMemoryExceeded) as e:
            for _ in g.stream(TOO_BIG, timeout=300):
                pass
        assert "dbms.memory.transaction.total.max" in str(e.value)
        assert "CIBGRAPH_HEAP_SIZE" in str(e.value)
        assert time.perf_counter() - t < 120, "refused, not retried"
        assert g.read("RETURN 1 AS ok") == [{"ok": 1}]  # the server is fine afterwards
    finally:
        g.close()


def test_detect_says_the_server_ran_out_of_memory_in_one_line(
    neo4j_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run_detection(graph: Graph, **_: Any) -> None:
        for _ in graph.stream(TOO_BIG, timeout=300):
            pass

    monkeypatch.setattr("cibgraph.detect.run_detection", run_detection)
    # conftest puts the test server's settings in the environment, as a user's shell would
    out = CliRunner().invoke(app, ["detect"])
    assert out.exit_code == 1, out.output
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), out.stderr
    assert "ran out of transaction memory" in lines[0] and "Traceback" not in out.output
