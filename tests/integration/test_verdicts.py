"""Verdicts: roles, the append-only history, and survival across detect and re-ingest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from _serve_support import ADMIN_KEY, READER_KEY, api_settings, seed, write_catalogue
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cibgraph.api.app import create_app
from cibgraph.api.security import KeyConfigError, parse_key_entries, parse_keys
from cibgraph.cli import app as cli_app
from cibgraph.cypher.catalogue import load_dir
from cibgraph.tactics import tactics_for
from cibgraph.verdicts import (
    NOTE_MAX,
    VerdictError,
    best_group,
    carry_verdicts,
    record_verdict,
    verdict_info,
)

ANALYST_KEY = "analyst-key-0123456789abcdef"
KEYS = f"{READER_KEY}:reader:rita,{ANALYST_KEY}:analyst:ana.lyst,{ADMIN_KEY}:admin"


# ---------------------------------------------------------------- pure logic


def test_keys_take_an_optional_name() -> None:
    entries = parse_key_entries(KEYS)
    assert entries[READER_KEY].role == "reader" and entries[READER_KEY].name == "rita"
    assert entries[ANALYST_KEY].name == "ana.lyst"
    # Unnamed: role plus a fingerprint that is not the key.
    unnamed = entries[ADMIN_KEY].name
    assert unnamed.startswith("admin-") and ADMIN_KEY not in unnamed
    assert parse_keys(KEYS) == {READER_KEY: "reader", ANALYST_KEY: "analyst", ADMIN_KEY: "admin"}
    with pytest.raises(KeyConfigError, match="key name"):
        parse_key_entries(f"{ANALYST_KEY}:analyst:<bad name>")
    with pytest.raises(KeyConfigError, match="unknown role"):
        parse_key_entries(f"{ANALYST_KEY}:writer")


def test_best_group_needs_real_overlap() -> None:
    groups = {"g-a": {"1", "2", "3", "4"}, "g-b": {"3", "9"}, "g-c": {"7", "8"}}
    assert best_group({"1", "2", "3"}, groups, 0.3) == "g-a"
    assert best_group({"7", "1"}, groups, 0.3) == "g-c"  # 1/3
    assert best_group({"5", "6"}, groups, 0.3) is None


def test_signals_carry_kill_chain_tactics() -> None:
    rows = tactics_for(["went_quiet_together", "co_posting", "borrowed_profile_photo", "nope"])
    assert [r["signal"] for r in rows] == [
        "borrowed_profile_photo",
        "co_posting",
        "went_quiet_together",
    ]
    # IDs and names as in Meta's published list (facebook/threat-research).
    assert (rows[0]["id"], rows[0]["phase"], rows[0]["tactic"]) == (
        "1.1.1",
        "Disguising assets",
        "Copying profile pictures",
    )
    assert rows[1]["id"] == "6.2"
    assert (rows[2]["id"], rows[2]["phase"], rows[2]["tactic"]) == (
        "9.5.1",
        "Enabling longevity",
        "Changing social media accounts",
    )


# ---------------------------------------------------------------- API roles and history


@pytest.fixture()
def client(graph, tmp_path: Path):  # type: ignore[no-untyped-def]
    seed(graph)
    settings = api_settings(graph.settings).model_copy(update={"api_keys": KEYS})
    app = create_app(settings, catalogue=load_dir(write_catalogue(tmp_path / "q")))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _post(client: TestClient, path: str, key: str | None, **body: Any) -> Any:
    headers = {"X-API-Key": key} if key else {}
    return client.post(path, json=body, headers=headers)


@pytest.mark.parametrize("kind, target", [("groups", "g1"), ("accounts", "x:1")])
def test_verdict_round_trip_for_each_role(client: TestClient, kind: str, target: str) -> None:
    path = f"/{kind}/{target}/verdict"
    assert _post(client, path, None, verdict="confirmed").status_code == 401
    r = _post(client, path, READER_KEY, verdict="confirmed")
    assert r.status_code == 403 and "analyst or admin" in r.json()["error"]
    r = _post(client, path, ANALYST_KEY, verdict="needs_review", note="check <b>photos</b>")
    assert r.status_code == 200, r.text
    assert r.json()["verdict"]["by"] == "ana.lyst"
    r = _post(client, path, ADMIN_KEY, verdict="confirmed", note="operators")
    assert r.status_code == 200, r.text
    # The history is appended, oldest first, never overwritten.
    got = client.get(f"/{kind}/{target}", headers={"X-API-Key": READER_KEY}).json()
    assert [v["verdict"] for v in got["history"]] == ["needs_review", "confirmed"]
    assert got["history"][0]["note"] == "check <b>photos</b>"
    assert got["verdict"]["verdict"] == "confirmed" and got["verdict"]["by"].startswith("admin-")
    assert got["history"][0]["at"] <= got["history"][1]["at"]
    assert len({v["history"] for v in got["history"]}) == 1
    assert got["changed_since_verdict"] is False
    if kind == "groups":
        listed = client.get("/groups", headers={"X-API-Key": READER_KEY}).json()["groups"]
        assert {g["id"]: g["current_verdict"] for g in listed} == {"g1": "confirmed", "g2": None}


def test_bad_verdicts_are_refused_with_the_allowed_values(client: TestClient) -> None:
    r = _post(client, "/groups/g1/verdict", ANALYST_KEY, verdict="guilty")
    assert r.status_code == 422
    for allowed in ("confirmed", "benign", "needs_review"):
        assert allowed in r.json()["error"]
    r = _post(client, "/groups/g1/verdict", ANALYST_KEY, verdict="benign", note="x" * 2001)
    assert r.status_code == 422 and "2000" in r.json()["error"]
    assert _post(client, "/groups/nope/verdict", ANALYST_KEY, verdict="benign").status_code == 404
    got = client.get("/groups/g1", headers={"X-API-Key": READER_KEY}).json()
    assert got["history"] == [] and got["verdict"] is None
    with pytest.raises(VerdictError, match="needs_review"):
        record_verdict(None, "group", "g1", "maybe", "", "me")
    with pytest.raises(VerdictError, match=str(NOTE_MAX)):
        record_verdict(None, "group", "g1", "benign", "x" * (NOTE_MAX + 1), "me")


# ---------------------------------------------------------------- detect and re-ingest

T0 = datetime(2018, 8, 14, 9, 0, 0, tzinfo=UTC)


def _write_dataset(folder: Path, accounts: list[str]) -> None:
    """Accounts posting eight texts within seconds of each other, plus some own posts."""
    folder.mkdir(parents=True, exist_ok=True)
    acc = [
        {"id": a, "platform": "x", "handle": f"h_{a[2:]}", "created_at": "2018-08-01"}
        for a in accounts
    ]
    posts = []
    for i in range(8):
        for j, a in enumerate(accounts):
            at = T0 + timedelta(days=3 * i, seconds=4 * j)
            posts.append(
                {
                    "id": f"{a}:p{i}",
                    "account_id": a,
                    "posted_at": at.isoformat(),
                    "text": f"Coordinated message number {i} about the election result",
                }
            )
    for j, a in enumerate(accounts):
        for k in range(3):
            posts.append(
                {
                    "id": f"{a}:own{k}",
                    "account_id": a,
                    "posted_at": (T0 + timedelta(days=k, hours=j + 1)).isoformat(),
                    "text": f"my own thoughts {a} {k} on a quiet day",
                }
            )
    for name, rows in (("accounts", acc), ("posts", posts)):
        (folder / f"{name}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
        )


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli_app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _groups(graph: Any) -> dict[str, list[str]]:
    rows = graph.read(
        "MATCH (g:Group)<-[:MEMBER_OF]-(a:Account) WITH g, a ORDER BY a.id "
        "RETURN g.id AS id, collect(a.id) AS members"
    )
    return {r["id"]: r["members"] for r in rows}


def test_verdicts_survive_detect_and_reingest_and_flag_a_membership_change(
    graph: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    trio = ["x:a1", "x:a2", "x:a3"]
    _write_dataset(data, trio)
    _cli("ingest", str(data))
    _cli("detect")
    groups = _groups(graph)
    assert list(groups.values()) == [trio], groups
    (gid,) = groups
    out = _cli("verdict", "group", gid, "confirmed", "--note", "same texts", "--by", "ana")
    assert "confirmed" in out
    _cli("verdict", "account", "x:a1", "benign", "--note", "a real person")

    # Same data again, detection again: same group, same verdicts.
    _cli("ingest", str(data))
    _cli("detect")
    assert list(_groups(graph)) == [gid]
    info = verdict_info(graph, "group", gid)
    assert [v["verdict"] for v in info["history"]] == ["confirmed"]
    assert info["history"][0]["by"] == "ana" and info["changed_since_verdict"] is False
    assert verdict_info(graph, "account", "x:a1")["verdict"]["verdict"] == "benign"

    # A fourth account joins: the group gets a new id and carries the history, flagged.
    _write_dataset(data, [*trio, "x:a4"])
    _cli("ingest", str(data))
    _cli("detect")
    groups = _groups(graph)
    assert list(groups.values()) == [[*trio, "x:a4"]]
    (new_id,) = groups
    assert new_id != gid
    info = verdict_info(graph, "group", new_id)
    assert [v["verdict"] for v in info["history"]] == ["confirmed"]
    assert info["changed_since_verdict"] is True
    flags = graph.read(
        "MATCH (g:Group {id: $id}) RETURN g.verdict AS v, g.changed_since_verdict AS c",
        {"id": new_id},
    )
    assert flags == [{"v": "confirmed", "c": True}]
    # A new verdict on the new group joins the same history and clears the flag.
    record_verdict(graph, "group", new_id, "needs_review", "a4 joined", "ana")
    info = verdict_info(graph, "group", new_id)
    assert [v["verdict"] for v in info["history"]] == ["confirmed", "needs_review"]
    assert len({v["history"] for v in info["history"]}) == 1
    assert info["changed_since_verdict"] is False
    # Carrying again changes nothing (idempotent).
    again = carry_verdicts(graph)
    assert again.carried == [] and again.flagged == []


def test_cli_refuses_a_bad_verdict_and_an_unknown_subject(graph: Any) -> None:
    graph.write("CREATE (:Account {id: 'x:1'})")
    bad = CliRunner().invoke(cli_app, ["verdict", "account", "x:1", "guilty"])
    assert bad.exit_code == 2 and "confirmed, benign, needs_review" in bad.output
    long = CliRunner().invoke(
        cli_app, ["verdict", "account", "x:1", "benign", "--note", "x" * 2001]
    )
    assert long.exit_code == 2 and "2000" in long.output
    missing = CliRunner().invoke(cli_app, ["verdict", "group", "nope", "benign"])
    assert missing.exit_code == 2 and "no group" in missing.output
    assert graph.read("MATCH (v:Verdict) RETURN count(v) AS n")[0]["n"] == 0


def test_an_unrelated_group_does_not_inherit_a_history(graph: Any) -> None:
    graph.write("UNWIND ['x:1','x:2','x:3','x:7','x:8','x:9'] AS id CREATE (:Account {id: id})")
    graph.write(
        "CREATE (g:Group {id: 'old'}) WITH g "
        "MATCH (a:Account) WHERE a.id IN ['x:1','x:2','x:3'] CREATE (a)-[:MEMBER_OF]->(g)"
    )
    record_verdict(graph, "group", "old", "confirmed", "", "ana")
    graph.write("MATCH (g:Group {id: 'old'}) DETACH DELETE g")
    graph.write(
        "CREATE (g:Group {id: 'other'}) WITH g "
        "MATCH (a:Account) WHERE a.id IN ['x:3','x:7','x:8','x:9'] CREATE (a)-[:MEMBER_OF]->(g)"
    )
    report = carry_verdicts(graph)
    assert report.carried == [] and len(report.orphaned) == 1
    assert verdict_info(graph, "group", "other")["history"] == []
    # The verdict itself is kept, waiting for a matching group.
    assert graph.read("MATCH (v:Verdict) RETURN count(v) AS n")[0]["n"] == 1
