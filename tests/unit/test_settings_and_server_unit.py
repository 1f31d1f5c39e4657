"""Fast checks with no database: settings, password rules, server configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cibgraph.neo4j_local import server
from cibgraph.settings import Settings, SettingsError


def make(**env: str) -> Settings:
    return Settings(_env_file=None, **{k: v for k, v in env.items()})  # type: ignore[call-arg]


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("NEO4J_URI", "NEO4J_USER", "NEO4J_DATABASE", "CIBGRAPH_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(k, raising=False)
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.neo4j_uri == "bolt://127.0.0.1:7687"
    assert s.neo4j_user == "neo4j" and s.neo4j_database == "neo4j"
    assert s.cibgraph_home == Path.home() / ".local" / "share" / "cibgraph"
    assert s.uses_local_server


def test_env_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://abc.databases.example:7687")
    monkeypatch.setenv("CIBGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("CIBGRAPH_BOLT_PORT", "9999")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.cibgraph_home == tmp_path and s.bolt_port == 9999
    assert not s.uses_local_server


def test_dotenv_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    (tmp_path / ".env").write_text("NEO4J_PASSWORD=from-dotenv-file\n")
    s = Settings(_env_file=tmp_path / ".env")  # type: ignore[call-arg]
    assert s.password() == "from-dotenv-file"


@pytest.mark.parametrize(
    "pw, message", [(None, "not set"), ("", "not set"), ("short", "too short")]
)
def test_password_rules(monkeypatch: pytest.MonkeyPatch, pw: str | None, message: str) -> None:
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    if pw is not None:
        monkeypatch.setenv("NEO4J_PASSWORD", pw)
    with pytest.raises(SettingsError, match=message):
        Settings(_env_file=None).password()  # type: ignore[call-arg]


def test_start_without_password_fails_before_anything_starts(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    env.update(CIBGRAPH_HOME=str(tmp_path), CIBGRAPH_BOLT_PORT="1", CIBGRAPH_HTTP_PORT="2")
    proc = subprocess.run(
        [sys.executable, "-m", "cibgraph.cli", "neo4j", "start"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 2  # a settings error, like every command's
    assert "NEO4J_PASSWORD is not set" in proc.stderr
    assert not (tmp_path / "neo4j").exists()  # nothing was installed or started


def test_config_rendering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIBGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("CIBGRAPH_BOLT_PORT", "7000")
    monkeypatch.setenv("CIBGRAPH_HTTP_PORT", "7001")
    monkeypatch.setenv("CIBGRAPH_PAGECACHE_SIZE", "768m")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    conf = server.render_config(s, server.Layout(s.server_home))
    lines = dict(line.split("=", 1) for line in conf.splitlines() if "=" in line)
    assert lines["server.bolt.listen_address"] == "127.0.0.1:7000"
    assert lines["server.http.listen_address"] == "127.0.0.1:7001"
    assert lines["server.memory.pagecache.size"] == "768m"
    assert lines["dbms.security.auth_enabled"] == "true"
    assert lines["server.directories.data"] == str(tmp_path / "neo4j" / "data")


def test_bad_memory_size_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIBGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("CIBGRAPH_HEAP_SIZE", "lots")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(server.ServerError, match="heap"):
        server.render_config(s, server.Layout(s.server_home))


def test_pinned_versions_are_the_526_line() -> None:
    v = server.pom_versions()
    assert v["neo4j"].startswith("5.26.")
    assert v["apoc"].startswith("5.26.")
    assert v["browser"]


def test_plugin_jars_duplicating_server_jars_are_recognised() -> None:
    assert server._artifact_base(Path("commons-lang3-3.12.0.jar")) == "commons-lang3"
    assert server._artifact_base(Path("apoc-core-5.26.19.jar")) == "apoc-core"
    assert server._artifact_base(Path("jetty-http2-server-12.1.11.jar")) == "jetty-http2-server"
