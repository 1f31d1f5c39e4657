"""One route per stored query: typed, bounded, documented parameters; the bounds enforced."""

from __future__ import annotations

from pathlib import Path

import pytest
from _serve_support import READER_KEY, api_settings, seed, write_catalogue
from fastapi.testclient import TestClient

from cibgraph.api.app import create_app
from cibgraph.cypher.catalogue import load_catalogue, load_dir
from cibgraph.settings import Settings

R = {"X-API-Key": READER_KEY}


def _offline_app():  # type: ignore[no-untyped-def]
    # No server behind it: every request below must be refused before any database work.
    return create_app(
        Settings(
            NEO4J_URI="bolt://127.0.0.1:1",
            NEO4J_PASSWORD="whatever-pw",
            CIBGRAPH_API_KEYS=f"{READER_KEY}:reader",
        )
    )


def test_openapi_has_a_typed_bounded_route_per_query() -> None:
    spec = _offline_app().openapi()
    for q in load_catalogue().values():
        op = spec["paths"][f"/queries/{q.name}"]["get"]
        assert op["operationId"] == f"query_{q.name}"
        params = {p["name"]: p for p in op["parameters"]}
        assert set(params) == {"limit", "offset", *(p.name for p in q.params)}
        for p in q.params:
            schema = params[p.name]["schema"]
            assert params[p.name]["required"] is p.required
            if p.type in ("int", "float"):
                assert schema["type"] == ("integer" if p.type == "int" else "number")
                assert (schema["minimum"], schema["maximum"]) == (p.minimum, p.maximum)
            if p.is_list:
                assert schema["type"] == "array" and schema["maxItems"] == p.maximum
    window = {
        p["name"]: p for p in spec["paths"]["/queries/co_posting_pairs"]["get"]["parameters"]
    }["window_seconds"]
    assert window["schema"] == {"type": "integer", "minimum": 1, "maximum": 86400, "default": 60}
    assert "largest gap" in window["description"]
    # Rows are documented with the query's columns.
    ref = spec["paths"]["/queries/similar_names"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    rows = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]["rows"]
    row = spec["components"]["schemas"][rows["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(row["properties"]) == set(load_catalogue()["similar_names"].columns)


@pytest.mark.parametrize(
    "query, params, param",
    [
        ("co_posting_pairs", {"window_seconds": "-5"}, "window_seconds"),
        ("co_posting_pairs", {"window_seconds": "99999999999999999999"}, "window_seconds"),
        ("co_posting_pairs", {"window_seconds": "soon"}, "window_seconds"),
        ("co_posting_pairs", {"item_kinds": "image,text,url,image"}, "item_kinds"),
        ("similar_names", {"min_similarity": "0.01"}, "min_similarity"),
        ("similar_names", {"max_block": "100000"}, "max_block"),
        ("similar_names", {"nope": "1"}, "nope"),
    ],
)
def test_out_of_bounds_is_422_naming_the_parameter(query: str, params: dict, param: str) -> None:  # type: ignore[type-arg]
    with TestClient(_offline_app(), raise_server_exceptions=False) as c:
        for path in (f"/queries/{query}", f"/views/queries/{query}"):
            r = c.get(path, params=params, headers=R)
            assert r.status_code == 422, (path, r.text)
            assert r.json()["param"] == param and param in r.json()["error"]


def test_the_own_route_and_the_generic_one_agree(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed(graph)
    cat = load_dir(write_catalogue(tmp_path / "q"))
    with TestClient(create_app(api_settings(graph.settings), catalogue=cat)) as c:
        spec = c.get("/openapi.json").json()
        assert "/queries/coordinated_pairs" in spec["paths"] and "/queries/{name}" in spec["paths"]
        own = c.get("/queries/coordinated_pairs?min_weight=3&limit=2", headers=R)
        assert own.status_code == 200
        assert [r["weight"] for r in own.json()["rows"]] == [5, 4]
        assert own.json()["params"] == {"min_weight": 3} and own.json()["total"] == 3
        bad = c.get("/queries/coordinated_pairs?min_weight=-1", headers=R)
        assert bad.status_code == 422 and "outside [0..1000000]" in bad.json()["error"]
        assert c.get("/queries/nothing_like_it", headers=R).status_code == 404
        huge = c.get("/queries/coordinated_pairs?offset=541097461895064901910528", headers=R)
        assert huge.status_code == 422 and "offset" in huge.json()["error"]


def test_unretried_reads_are_still_read_only(graph) -> None:  # type: ignore[no-untyped-def]
    from neo4j.exceptions import ClientError

    assert graph.read("RETURN 1 AS one", retry=False) == [{"one": 1}]
    with pytest.raises(ClientError):
        graph.read("CREATE (n:Account {id: 'w:1'}) RETURN n.id AS id", retry=False)
    assert graph.read("MATCH (n:Account {id: 'w:1'}) RETURN n") == []
