"""Fuzzing: schemathesis generates requests from the live OpenAPI schema and sends
them with a reader key to a real uvicorn server on the real Neo4j. None gets a 500.

It runs as schemathesis's own command line against the live server (its pytest
integration for lazily loaded schemas does not work with this pytest).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _serve_support import READER_KEY, api_settings, live_server, seed

from cibgraph.api.app import create_app
from cibgraph.db import Graph

EXAMPLES = int(os.environ.get("CIBGRAPH_FUZZ_EXAMPLES", "25"))


@pytest.fixture()
def live_api(neo4j_server) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from conftest import wipe

    graph = Graph(neo4j_server)
    wipe(graph)
    seed(graph)
    app_settings = api_settings(neo4j_server).model_copy(update={"query_timeout": 10.0})
    with live_server(create_app(app_settings)) as base:
        yield base
    graph.close()


def test_no_generated_request_gets_a_500(live_api: str, tmp_path: Path) -> None:
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is not installed (pip install -e '.[dev]')"
    out = subprocess.run(
        [
            st,
            "run",
            f"{live_api}/openapi.json",
            "--header",
            f"X-API-Key: {READER_KEY}",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            str(EXAMPLES),
            "--request-timeout",
            "60",
            "--workers",
            "1",
            # Detection rewrites the graph; the reader key gets 403 there anyway.
            "--exclude-path",
            "/admin/detect",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    assert "passed" in out.stdout.lower() or "no issues found" in out.stdout.lower()
