"""The local Neo4j server, against the real thing: `cibgraph neo4j start|stop|status`."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import psutil
import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from cibgraph.db import components, probe
from cibgraph.neo4j_local import server

LOCAL_ONLY = pytest.mark.skipif(
    "CIBGRAPH_TEST_URI" in os.environ, reason="uses the locally started server"
)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cibgraph.cli", *args],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        timeout=400,
    )


def server_processes(home: str) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info.get("cmdline") or [])
        if server.ENTRY_POINT in cmd and f"--home-dir={home}" in cmd:
            out.append(p)
    return out


def test_components_report_5_26(neo4j_server) -> None:
    s = neo4j_server
    found = components(s.neo4j_uri, s.neo4j_user, s.password())
    assert found["version"].startswith("5.26."), found
    assert found["edition"] == "community"
    probe(s.neo4j_uri, s.neo4j_user, s.password())  # the right credentials pass


# Each refused login counts towards the server's lock-out (three in a row), so two at most.
@LOCAL_ONLY
def test_wrong_password_is_refused_with_advice(neo4j_server) -> None:
    with pytest.raises(server.ServerError, match="refused the configured credentials"):
        server._bolt_ready(neo4j_server, "not-the-password")


def test_default_password_is_not_left(neo4j_server) -> None:
    with pytest.raises(AuthError):
        probe(neo4j_server.neo4j_uri, "neo4j", "neo4j")


@LOCAL_ONLY
def test_status_reports_the_running_server(neo4j_server) -> None:
    info = server.status(neo4j_server)
    assert info["running"] and "error" not in info, info
    assert str(info["version"]).startswith("5.26.") and info["edition"] == "community"


def test_browser_is_served_over_http(neo4j_server) -> None:
    port = neo4j_server.http_port
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/browser/", timeout=20) as resp:
        body = resp.read().decode("utf-8", "replace")
        assert resp.status == 200
    assert "<html" in body.lower() and "neo4j" in body.lower()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=20) as resp:
        assert b'"neo4j_version":"5.26.' in resp.read()


def test_apoc_core_is_installed(neo4j_server) -> None:
    s = neo4j_server
    if not list(server.Layout(s.server_home).plugins.glob("apoc-core-*.jar")):
        pytest.skip("APOC core was not installed (Maven did not serve it)")
    with GraphDatabase.driver(s.neo4j_uri, auth=(s.neo4j_user, s.password())) as d:
        recs, _, _ = d.execute_query("RETURN apoc.version() AS v")
    assert recs[0]["v"].startswith("5.26")


@LOCAL_ONLY
def test_data_survives_stop_and_start_and_start_is_idempotent(neo4j_server) -> None:
    s = neo4j_server
    home = str(s.server_home)
    auth = (s.neo4j_user, s.password())
    marker = f"survivor-{os.getpid()}"
    with GraphDatabase.driver(s.neo4j_uri, auth=auth) as d:
        d.execute_query("MERGE (n:Account {id: $id}) SET n.handle = 'x'", id=marker)
    try:
        # Starting a running server reports it and starts nothing.
        again = cli("neo4j", "start")
        assert again.returncode == 0, again.stderr
        assert "already running" in again.stdout
        assert len(server_processes(home)) == 1

        stopped = cli("neo4j", "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert server_processes(home) == []
        status = cli("neo4j", "status")
        assert status.returncode == 3 and "running: False" in status.stdout

        started = cli("neo4j", "start")
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"bolt://127.0.0.1:{s.bolt_port}" in started.stdout
        assert f"http://127.0.0.1:{s.http_port}/browser/" in started.stdout
        assert len(server_processes(home)) == 1
    finally:
        server.start(s, echo=lambda *_: None)
    with GraphDatabase.driver(s.neo4j_uri, auth=auth) as d:
        recs, _, _ = d.execute_query("MATCH (n:Account {id: $id}) RETURN n.handle AS h", id=marker)
        d.execute_query("MATCH (n:Account {id: $id}) DELETE n", id=marker)
    assert [r["h"] for r in recs] == ["x"]
