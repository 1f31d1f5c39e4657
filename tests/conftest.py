"""Shared fixtures. Integration tests run against a real Neo4j server that the
test session starts under its own home and ports (never the user's data).

Environment knobs (so several test runs can share a machine):
  CIBGRAPH_TEST_HOME       default <repo>/.cibgraph/test
  CIBGRAPH_TEST_BOLT_PORT  default 17687
  CIBGRAPH_TEST_HTTP_PORT  default 17474
  CIBGRAPH_TEST_KEEP_SERVER=1  leave the server running after the session
  CIBGRAPH_TEST_URI        use this existing server instead (it is wiped!)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
TEST_PASSWORD = os.environ.get("CIBGRAPH_TEST_PASSWORD", "cibgraph-test-pw")

TEST_ENV = {
    "CIBGRAPH_HOME": os.environ.get("CIBGRAPH_TEST_HOME", str(REPO / ".cibgraph" / "test")),
    "CIBGRAPH_BOLT_PORT": os.environ.get("CIBGRAPH_TEST_BOLT_PORT", "17687"),
    "CIBGRAPH_HTTP_PORT": os.environ.get("CIBGRAPH_TEST_HTTP_PORT", "17474"),
    "CIBGRAPH_HEAP_SIZE": os.environ.get("CIBGRAPH_TEST_HEAP_SIZE", "2g"),
    "CIBGRAPH_PAGECACHE_SIZE": os.environ.get("CIBGRAPH_TEST_PAGECACHE_SIZE", "1g"),
    "NEO4J_USER": "neo4j",
    "NEO4J_PASSWORD": TEST_PASSWORD,
    "NEO4J_DATABASE": "neo4j",
}
TEST_ENV["NEO4J_URI"] = os.environ.get(
    "CIBGRAPH_TEST_URI", f"bolt://127.0.0.1:{TEST_ENV['CIBGRAPH_BOLT_PORT']}"
)
TEST_ENV["CIBGRAPH_BROWSER_URL"] = f"http://127.0.0.1:{TEST_ENV['CIBGRAPH_HTTP_PORT']}/browser/"
# The test process and every CLI it spawns see the test server, not the user's.
os.environ.update(TEST_ENV)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "graph" in getattr(item, "fixturenames", ()) or "neo4j_server" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(pytest.mark.neo4j)


@pytest.fixture(scope="session")
def test_settings():  # type: ignore[no-untyped-def]
    from cibgraph.settings import Settings, get_settings

    get_settings.cache_clear()
    return Settings()


@pytest.fixture(scope="session")
def neo4j_server(test_settings) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The real test server: started once per session, stopped at the end."""
    if "CIBGRAPH_TEST_URI" in os.environ:
        yield test_settings
        return
    from cibgraph.neo4j_local import server

    was_running = server.running_pid(server.Layout(test_settings.server_home)) is not None
    server.start(test_settings, echo=lambda *_: None)
    yield test_settings
    if not was_running and not os.environ.get("CIBGRAPH_TEST_KEEP_SERVER"):
        server.stop(test_settings, echo=lambda *_: None)


def wipe(graph) -> None:  # type: ignore[no-untyped-def]
    """Delete all data (constraints and indexes stay)."""
    from cibgraph.ingest.verify import wipe_graph

    wipe_graph(graph)


@pytest.fixture()
def graph(neo4j_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A `Graph` on an empty test database."""
    from cibgraph.db import Graph

    g = Graph(neo4j_server)
    wipe(g)
    yield g
    g.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA
