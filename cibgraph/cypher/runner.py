"""Run stored queries: bind parameters, read-only transaction, paging, JSON-safe rows."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from cibgraph.cypher.catalogue import StoredQuery, ViewSpec, load_catalogue
from cibgraph.db import Graph, to_jsonable


class UnknownQuery(KeyError):
    pass


def get_query(name: str, catalogue: dict[str, StoredQuery] | None = None) -> StoredQuery:
    catalogue = load_catalogue() if catalogue is None else catalogue
    if name not in catalogue:
        raise UnknownQuery(name)
    return catalogue[name]


@dataclass
class QueryResult:
    query: str
    params: dict[str, Any]
    rows: list[dict[str, Any]]
    total: int
    limit: int | None
    offset: int
    truncated: bool
    view: ViewSpec | None = None  # how the rows are drawn (the query's `// view:` line)


def run_stored(
    graph: Graph,
    name: str,
    raw_params: dict[str, Any] | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    catalogue: dict[str, StoredQuery] | None = None,
    retry: bool = True,
) -> QueryResult:
    """Run a stored query read-only. `total` counts all rows (up to the result cap).

    `catalogue` replaces the shipped one (e.g. the API's, or a test folder's);
    `retry=False` raises a transient database failure at once (see `Graph.read`).
    """
    query = get_query(name, catalogue)
    params = query.bind(raw_params or {})
    cap = graph.settings.result_cap
    rows = graph.read(query.cypher, params, limit=cap + 1, retry=retry)
    truncated = len(rows) > cap
    rows = rows[:cap]
    total = len(rows)
    page = rows[offset : offset + limit] if limit is not None else rows[offset:]
    return QueryResult(
        name, params, [to_jsonable(r) for r in page], total, limit, offset, truncated, query.view
    )


def format_rows(rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    if fmt == "csv":
        buf = io.StringIO()
        cols = list(rows[0].keys()) if rows else []
        w = csv.DictWriter(buf, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow(
                {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in r.items()}
            )
        return buf.getvalue()
    raise ValueError(f"unknown format {fmt!r}")
