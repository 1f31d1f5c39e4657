"""Every shipped stored query over the API against `cibgraph query`, on a detected scenario."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _serve_support import READER_KEY, api_settings
from fastapi.testclient import TestClient

from cibgraph.api.app import create_app
from cibgraph.cypher.catalogue import load_catalogue

R = {"X-API-Key": READER_KEY}


@pytest.fixture()
def scenario(graph, tmp_path: Path):  # type: ignore[no-untyped-def]
    from cibgraph.detect import run_detection
    from cibgraph.detect.synth import generate
    from cibgraph.ingest import load_dataset
    from cibgraph.model import ensure_schema

    ensure_schema(graph)
    generate(tmp_path / "ds", scale=0.02, seed=3)
    load_dataset(graph, tmp_path / "ds", progress=False)
    run_detection(graph)
    return graph


def _cli(name: str, params: dict[str, str], *extra: str) -> list[dict[str, object]]:
    args = [a for k, v in params.items() for a in ("-p", f"{k}={v}")]
    out = subprocess.run(
        [sys.executable, "-m", "cibgraph.cli", "query", name, *args, "--format", "json", *extra],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_every_shipped_query_matches_the_cli(scenario) -> None:  # type: ignore[no-untyped-def]
    catalogue = load_catalogue()
    with TestClient(create_app(api_settings(scenario.settings))) as c:
        groups = c.get("/groups", headers=R).json()
        assert groups["total"] > 0
        group_id = groups["groups"][0]["id"]
        non_empty = 0
        for q in catalogue.values():
            params = {p.name: group_id for p in q.params if p.required and p.name == "group_id"}
            if any(p.required and p.name not in params for p in q.params):
                continue
            api = c.get(f"/queries/{q.name}", params={**params, "limit": 10_000}, headers=R)
            assert api.status_code == 200, (q.name, api.text)
            body = api.json()
            cli_rows = _cli(q.name, params)
            assert body["rows"] == cli_rows, q.name
            assert body["total"] == len(cli_rows)
            non_empty += bool(cli_rows)
            if len(cli_rows) >= 3:
                # Pagination: a middle page is the same slice of the CLI's rows, same total.
                page = c.get(
                    f"/queries/{q.name}", params={**params, "limit": 2, "offset": 1}, headers=R
                ).json()
                assert page["rows"] == cli_rows[1:3] and page["total"] == len(cli_rows)
                assert _cli(q.name, params, "--limit", "2", "--offset", "1") == cli_rows[1:3]
        # The scenario plants every signal, so most queries must find something.
        assert non_empty >= len(catalogue) // 2
