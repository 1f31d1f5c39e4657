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

from cibgraph.neo4j_local import server


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
    with GraphDatabase.driver(s.neo4j_uri, auth=(s.neo4j_user, s.password())) as d:
        recs, _, _ = d.execute_query(
            "CALL dbms.components() YIELD name, versions, edition RETURN versions[0] AS v, edition"
        )
    assert recs[0]["v"].startswith("5.26."), recs[0]["v"]
    assert recs[0]["edition"] == "community"


def test_wrong_password_is_refused(neo4j_server) -> None:
    s = neo4j_server
    with GraphDatabase.driver(s.neo4j_uri, auth=(s.neo4j_user, "not-the-password")) as d:
        with pytest.raises(AuthError):
            d.verify_connectivity()


def test_default_password_is_not_left(neo4j_server) -> None:
    s = neo4j_server
    with GraphDatabase.driver(s.neo4j_uri, auth=("neo4j", "neo4j")) as d:
        with pytest.raises(AuthError):
            d.verify_connectivity()


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


@pytest.mark.skipif("CIBGRAPH_TEST_URI" in os.environ, reason="uses the locally started server")
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
