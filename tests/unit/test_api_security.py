"""API key parsing and role checks (no database needed)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from neo4j import GraphDatabase

from cibgraph.api.app import create_app
from cibgraph.api.security import KeyConfigError, parse_keys
from cibgraph.db import Graph
from cibgraph.settings import Settings

READER = "r" * 20
ADMIN = "a" * 20


def test_parse_keys() -> None:
    assert parse_keys(f" {READER}:reader , {ADMIN}:admin ,") == {READER: "reader", ADMIN: "admin"}
    assert parse_keys("") == {}
    with pytest.raises(KeyConfigError, match="unknown role"):
        parse_keys(f"{READER}:root")
    with pytest.raises(KeyConfigError, match="16 characters"):
        parse_keys("short:reader")
    with pytest.raises(KeyConfigError, match="key:role"):
        parse_keys(READER)


def test_roles_are_checked_before_any_database_work() -> None:
    # Points at a closed port: a request that got past auth would fail with 503, not 401/403.
    settings = Settings(
        NEO4J_URI="bolt://127.0.0.1:1",
        NEO4J_PASSWORD="whatever-pw",
        CIBGRAPH_API_KEYS=f"{READER}:reader,{ADMIN}:admin",
    )
    app = create_app(settings, catalogue={})
    # No retries, so the unreachable server answers at once.
    driver = GraphDatabase.driver(
        settings.neo4j_uri,
        auth=("neo4j", "whatever-pw"),
        max_transaction_retry_time=0,
        connection_timeout=2,
    )
    app.state.graph = Graph(settings, driver=driver)
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/groups").status_code == 401
        assert c.post("/admin/detect", headers={"X-API-Key": READER}).status_code == 403
        down = c.get("/groups", headers={"X-API-Key": READER})
        assert down.status_code == 503
        assert down.json() == {"error": "the Neo4j database is not reachable"}
        assert "whatever-pw" not in down.text
        health = c.get("/health")
        assert health.status_code == 503 and health.json()["neo4j"] == "unreachable"


def test_openapi_describes_every_endpoint() -> None:
    spec = create_app(Settings(CIBGRAPH_API_KEYS=""), catalogue={}).openapi()
    assert {
        "/health",
        "/queries",
        "/queries/{name}",
        "/queries.zip",
        "/groups",
        "/groups/{group_id}",
        "/accounts/{account_id}",
        "/views/groups/{group_id}",
        "/views/accounts/{account_id}",
        "/views/queries/{name}",
        "/guide",
        "/admin/detect",
    } <= set(spec["paths"])
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]


def test_guide_cors_answers_the_browser_page_only() -> None:
    settings = Settings(CIBGRAPH_API_KEYS="", CIBGRAPH_BROWSER_URL="http://127.0.0.1:7474/browser/")
    with TestClient(create_app(settings, catalogue={})) as c:
        for origin in ("http://127.0.0.1:7474", "http://localhost:7474"):
            r = c.get("/guide", headers={"Origin": origin})
            assert r.headers.get("access-control-allow-origin") == origin
        for origin in ("http://localhost:7475", "http://evil.test"):
            r = c.get("/guide", headers={"Origin": origin})
            assert "access-control-allow-origin" not in r.headers
        # Data endpoints get no CORS headers unless CIBGRAPH_CORS_ORIGINS lists the origin.
        r = c.get("/groups", headers={"Origin": "http://127.0.0.1:7474"})
        assert "access-control-allow-origin" not in r.headers
