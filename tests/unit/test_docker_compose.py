"""docker-compose.yml cannot run here (no Docker engine); check what it declares."""

from __future__ import annotations

from pathlib import Path

import yaml

from cibgraph.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def load() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_services_and_image() -> None:
    compose = load()
    assert set(compose["services"]) == {"neo4j", "api"}
    assert compose["services"]["neo4j"]["image"] == "neo4j:5.26-community"
    assert compose["services"]["api"]["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert (REPO / "Dockerfile").exists()


def test_ports_are_loopback_and_match_defaults() -> None:
    services = load()["services"]
    ports = services["neo4j"]["ports"]
    assert "127.0.0.1:${CIBGRAPH_BOLT_PORT:-7687}:7687" in ports
    assert "127.0.0.1:${CIBGRAPH_HTTP_PORT:-7474}:7474" in ports
    assert services["api"]["ports"] == ["127.0.0.1:${CIBGRAPH_API_PORT:-8000}:8000"]


def test_healthchecks() -> None:
    services = load()["services"]
    assert "cypher-shell" in " ".join(services["neo4j"]["healthcheck"]["test"])
    assert "/health" in " ".join(services["api"]["healthcheck"]["test"])


def test_auth_uses_the_password_setting_and_settings_names_exist() -> None:
    services = load()["services"]
    assert services["neo4j"]["environment"]["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD")
    # Every setting the API container is given is one cibgraph reads.
    aliases = {f.validation_alias for f in Settings.model_fields.values()}
    for name in services["api"]["environment"]:
        assert name in aliases, name
    assert services["api"]["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
