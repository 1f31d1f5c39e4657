"""Every shipped stored query, EXPLAINed on the real server: its columns are the
ones its header declares, and it only reads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from cibgraph.cypher.catalogue import Param, StoredQuery, load_catalogue

CATALOGUE = load_catalogue()


def _sample(p: Param) -> Any:
    """A value of the declared type within its bounds, for required parameters."""
    if not p.required:
        return p.default
    lo = p.minimum if p.minimum is not None else 1
    return {
        "str": "x" * int(lo),
        "int": int(lo),
        "float": float(lo),
        "bool": True,
        "date": date(2020, 1, 1),
        "datetime": datetime(2020, 1, 1, tzinfo=UTC),
    }.get(p.type) or ["x"] * int(lo)


@pytest.mark.parametrize("query", CATALOGUE.values(), ids=list(CATALOGUE))
def test_explain_matches_header(graph, query: StoredQuery) -> None:  # type: ignore[no-untyped-def]
    params = {p.name: _sample(p) for p in query.params}
    with graph.session(read_only=True) as session:
        result = session.run("EXPLAIN " + query.cypher, params)
        keys = result.keys()
        summary = result.consume()
    assert tuple(keys) == query.columns, (
        f"{query.path}: returns {tuple(keys)}, '// columns:' says {query.columns}"
    )
    assert summary.query_type == "r", f"{query.path} is not read-only ({summary.query_type})"
