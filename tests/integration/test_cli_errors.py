"""One CLI error path: missing settings, an unreachable server and refused
credentials print one line and exit 2, for every command that needs Neo4j."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cibgraph.cli import app


def _commands(tmp: Path) -> list[list[str]]:
    data = tmp / "data"
    data.mkdir(exist_ok=True)
    account = {"id": "x:1", "platform": "x", "handle": "a"}
    (data / "accounts.jsonl").write_text(json.dumps(account) + "\n", encoding="utf-8")
    truth = tmp / "truth.json"
    truth.write_text(json.dumps({"groups": []}), encoding="utf-8")
    out = str(tmp / "v.html")
    return [
        ["query", "coordinated_groups"],
        ["view", "group", "g1", "-o", out],
        ["view", "account", "x:1", "-o", out],
        ["view", "query", "coordinated_groups", "-o", out],
        ["detect"],
        ["ingest", str(data)],
        ["evaluate", str(truth)],
    ]


def _user_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "CIBGRAPH_"))}
    env["CIBGRAPH_HOME"] = str(tmp / "home")
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cibgraph.cli", *args],
        env=env,
        cwd=cwd,  # no .env there
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_one_line(out: subprocess.CompletedProcess[str], *words: str) -> None:
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("Error: "), out.stderr[-2000:]
    assert "Traceback" not in out.stderr and not out.stdout.strip()
    for w in words:
        assert w in lines[0]


def test_every_command_without_a_password(tmp_path: Path) -> None:
    env = _user_env(tmp_path)
    for args in [*_commands(tmp_path), ["neo4j", "start"]]:
        _assert_one_line(_run(args, env, tmp_path), "NEO4J_PASSWORD is not set")


def test_invalid_settings_are_one_line(tmp_path: Path) -> None:
    env = _user_env(tmp_path, NEO4J_PASSWORD="long-enough-pw", CIBGRAPH_QUERY_TIMEOUT="soon")
    _assert_one_line(_run(["query", "coordinated_groups"], env, tmp_path), "CIBGRAPH_QUERY_TIMEOUT")


def test_every_command_with_the_server_unreachable(tmp_path: Path) -> None:
    env = _user_env(tmp_path, NEO4J_PASSWORD="long-enough-pw", NEO4J_URI="bolt://127.0.0.1:1")
    for args in _commands(tmp_path):
        _assert_one_line(_run(args, env, tmp_path), "cannot reach Neo4j at bolt://127.0.0.1:1")


def test_refused_credentials(neo4j_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = _user_env(tmp_path, NEO4J_PASSWORD="not-the-password", NEO4J_URI=neo4j_server.neo4j_uri)
    # One command only: repeated failures make the server lock the user for a while.
    _assert_one_line(
        _run(["query", "coordinated_groups"], env, tmp_path), "refused the credentials"
    )


def test_a_bad_parameter_exits_2_before_connecting(tmp_path: Path) -> None:
    env = _user_env(tmp_path)
    out = _run(["query", "co_posting_pairs", "-p", "window_seconds=-5"], env, tmp_path)
    _assert_one_line(out, "window_seconds", "[1..86400]")


def test_bugs_still_raise() -> None:
    from cibgraph.cli import user_error

    assert user_error(KeyError("x")) is None
    assert app.info.cls is not None
