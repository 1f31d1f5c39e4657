"""The REST API against the real Neo4j test server."""

from __future__ import annotations

from pathlib import Path

import pytest
from _serve_support import (
    ADMIN_KEY,
    READER_KEY,
    XSS_BIO,
    api_settings,
    seed,
    write_catalogue,
)
from fastapi.testclient import TestClient

from cibgraph.api.app import create_app
from cibgraph.cypher.catalogue import load_dir
from cibgraph.cypher.runner import run_stored

R = {"X-API-Key": READER_KEY}
A = {"X-API-Key": ADMIN_KEY}


@pytest.fixture()
def seeded(graph):  # type: ignore[no-untyped-def]
    seed(graph)
    return graph


@pytest.fixture()
def catalogue(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_dir(write_catalogue(tmp_path / "queries"))


@pytest.fixture()
def client(seeded, catalogue):  # type: ignore[no-untyped-def]
    app = create_app(api_settings(seeded.settings), catalogue=catalogue)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_health_needs_no_key_and_sees_neo4j(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json()["neo4j"] == "ok"


@pytest.mark.parametrize(
    "path",
    [
        "/queries",
        "/queries/coordinated_pairs",
        "/queries.zip",
        "/groups",
        "/groups/g1",
        "/accounts/x:1",
        "/views/groups/g1",
        "/views/accounts/x:1",
    ],
)
def test_every_data_endpoint_needs_a_valid_key(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 401
    bad = client.get(path, headers={"X-API-Key": "not-a-key-0123456789"})
    assert bad.status_code == 401
    assert "API key" in bad.json()["error"]
    assert client.get(path, headers=R).status_code == 200


def test_reader_is_forbidden_admin_endpoints(client: TestClient) -> None:
    assert client.post("/admin/detect").status_code == 401
    r = client.post("/admin/detect", headers=R)
    assert r.status_code == 403
    assert r.json() == {"error": "this endpoint needs an admin key"}
    # An admin key runs detection, which rewrites the groups.
    done = client.post("/admin/detect", headers=A)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "ok" and "groups" in done.json()["report"]


def test_bad_parameter_type_is_422_with_a_clear_message(client: TestClient) -> None:
    r = client.get("/queries/coordinated_pairs", params={"min_weight": "lots"}, headers=R)
    assert r.status_code == 422
    body = r.json()
    assert body["param"] == "min_weight"
    assert "expected int" in body["error"]
    r = client.get("/queries/accounts_by_handle", params={"since": "yesterday"}, headers=R)
    assert r.status_code == 422 and r.json()["param"] == "since"
    r = client.get("/queries/coordinated_pairs", params={"nope": "1"}, headers=R)
    assert r.status_code == 422 and "no such parameter" in r.json()["error"]
    r = client.get("/queries/coordinated_pairs", params={"limit": "0"}, headers=R)
    assert r.status_code == 422 and "limit" in r.json()["error"]
    assert client.get("/queries/missing", headers=R).status_code == 404


def test_stored_query_rows_and_pagination(client: TestClient, seeded) -> None:  # type: ignore[no-untyped-def]
    full = client.get("/queries/coordinated_pairs", params={"min_weight": 3}, headers=R).json()
    assert full["total"] == 3
    assert [r["weight"] for r in full["rows"]] == [5, 4, 3]
    assert full["params"] == {"min_weight": 3}
    page = client.get(
        "/queries/coordinated_pairs", params={"min_weight": 1, "limit": 2, "offset": 1}, headers=R
    ).json()
    assert page["total"] == 4 and page["limit"] == 2 and page["offset"] == 1
    everything = client.get("/queries/coordinated_pairs", headers=R).json()["rows"]
    assert page["rows"] == everything[1:3]


def test_result_cap_applies(seeded, catalogue) -> None:  # type: ignore[no-untyped-def]
    settings = api_settings(seeded.settings).model_copy(update={"result_cap": 2})
    with TestClient(create_app(settings, catalogue=catalogue)) as c:
        body = c.get("/queries/coordinated_pairs", headers=R).json()
    assert body["total"] == 2 and body["truncated"] is True and len(body["rows"]) == 2


def test_queries_listing_declares_parameters(client: TestClient) -> None:
    listing = {q["name"]: q for q in client.get("/queries", headers=R).json()}
    assert set(listing) == {"coordinated_pairs", "accounts_by_handle"}
    params = {p["name"]: p for p in listing["accounts_by_handle"]["params"]}
    assert params["since"]["type"] == "datetime" and params["since"]["required"] is False


def test_api_rows_equal_the_runner_for_the_same_parameters(
    client: TestClient,
    seeded,
    catalogue,  # type: ignore[no-untyped-def]
) -> None:
    api = client.get("/queries/accounts_by_handle", params={"prefix": "d"}, headers=R).json()
    direct = run_stored(seeded, "accounts_by_handle", {"prefix": "d"}, catalogue=catalogue)
    assert api["rows"] == direct.rows == [{"account_id": "x:4", "handle": "delta"}]


def test_groups_list_and_detail(client: TestClient) -> None:
    page = client.get("/groups", params={"limit": 1}, headers=R).json()
    assert page["total"] == 2 and [g["id"] for g in page["groups"]] == ["g1"]
    second = client.get("/groups", params={"limit": 1, "offset": 1}, headers=R).json()
    assert [g["id"] for g in second["groups"]] == ["g2"]
    g1 = client.get("/groups/g1", headers=R).json()
    assert g1["score"] == 0.9 and g1["size"] == 3
    assert [m["id"] for m in g1["members"]] == ["x:1", "x:2", "x:3"]
    assert g1["evidence"][0]["signal"] == "same_text"
    missing = client.get("/groups/none", headers=R)
    assert missing.status_code == 404 and "none" in missing.json()["error"]


def test_account_detail(client: TestClient) -> None:
    a = client.get("/accounts/x:1", headers=R).json()
    assert a["profile"]["handle"] == "alpha" and a["profile"]["bio"] == XSS_BIO
    assert [g["id"] for g in a["groups"]] == ["g1"]
    assert a["signals"] == ["same_text"]
    assert {c["account_id"] for c in a["coordinated_with"]} == {"x:2", "x:3"}
    assert a["posts"]["posts"] == 3 and a["posts"]["interactions"] == 6
    assert a["posts"]["top_hashtags"] == [{"name": "campaign", "posts": 1}]
    assert client.get("/accounts/x:999", headers=R).status_code == 404


def test_views_are_html_with_the_data_escaped(client: TestClient) -> None:
    r = client.get("/views/groups/g1", headers=R)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert XSS_BIO not in r.text  # only its escaped JSON form is in the page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in r.text
    q = client.get("/views/queries/coordinated_pairs", params={"min_weight": 3}, headers=R)
    assert q.status_code == 200 and "x:4" in q.text
    assert client.get("/views/groups/none", headers=R).status_code == 404


def test_errors_never_leak_credentials_or_traces(seeded, catalogue) -> None:  # type: ignore[no-untyped-def]
    from pydantic import SecretStr

    settings = api_settings(seeded.settings).model_copy(
        update={"neo4j_password": SecretStr("wrong-password-xyz")}
    )
    with TestClient(create_app(settings, catalogue=catalogue), raise_server_exceptions=False) as c:
        r = c.get("/groups", headers=R)
        h = c.get("/health")
    assert r.status_code == 503 and h.status_code == 503
    for text in (r.text, h.text):
        assert "wrong-password-xyz" not in text and "Traceback" not in text
    assert r.json()["error"].startswith("the API could not authenticate")


def test_cors_only_for_configured_origins(seeded, catalogue) -> None:  # type: ignore[no-untyped-def]
    settings = api_settings(seeded.settings, CIBGRAPH_CORS_ORIGINS="http://allowed.test")
    with TestClient(create_app(settings, catalogue=catalogue)) as c:
        ok = c.get("/groups", headers={**R, "Origin": "http://allowed.test"})
        bad = c.get("/groups", headers={**R, "Origin": "http://evil.test"})
        guide = c.get("/guide", headers={"Origin": "http://127.0.0.1:47474"})
        guide_bad = c.get("/guide", headers={"Origin": "http://evil.test"})
    assert ok.headers.get("access-control-allow-origin") == "http://allowed.test"
    assert "access-control-allow-origin" not in bad.headers
    browser = settings.browser_url.split("/browser")[0]
    if browser == "http://127.0.0.1:47474":
        assert guide.headers.get("access-control-allow-origin") == browser
    assert "access-control-allow-origin" not in guide_bad.headers


def test_view_of_a_query_without_accounts_is_422(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "tags.cypher").write_text(
        "// name: tags\n// description: Hashtags.\nMATCH (h:Hashtag) RETURN h.name AS hashtag\n"
    )
    app = create_app(api_settings(seeded.settings), catalogue=load_dir(folder))
    with TestClient(app) as c:
        r = c.get("/views/queries/tags", headers=R)
    assert r.status_code == 422 and "neither accounts" in r.json()["error"]


def test_cibgraph_serve_command(seeded) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, CIBGRAPH_API_KEYS=f"{READER_KEY}:reader")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cibgraph.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert health is not None and health.status_code == 200
        groups = httpx.get(f"http://127.0.0.1:{port}/groups", headers=R, timeout=10)
        assert groups.status_code == 200 and groups.json()["total"] == 2
        assert httpx.get(f"http://127.0.0.1:{port}/groups", timeout=10).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/guide" in out
