from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from cibgraph.api.deps import get_graph, get_settings
from cibgraph.api.guide import catalogue_zip
from cibgraph.api.security import reader
from cibgraph.cypher.catalogue import StoredQuery
from cibgraph.cypher.runner import UnknownQuery, run_stored

router = APIRouter(tags=["queries"], dependencies=[Depends(reader)])

RESERVED = {"limit", "offset"}


class ParamInfo(BaseModel):
    name: str
    type: str
    required: bool
    default: Any = None
    help: str = ""


class QueryInfo(BaseModel):
    name: str
    description: str
    columns: list[str]
    params: list[ParamInfo]
    cypher: str


class QueryRows(BaseModel):
    query: str
    params: dict[str, Any]
    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    truncated: bool


def info(q: StoredQuery) -> QueryInfo:
    return QueryInfo(
        name=q.name,
        description=q.description,
        columns=list(q.columns),
        params=[
            ParamInfo(
                name=p.name,
                type=p.type,
                required=p.required,
                default=None if p.required else p.default_text,
                help=p.help,
            )
            for p in q.params
        ],
        cypher=q.cypher,
    )


def catalogue(request: Request) -> dict[str, StoredQuery]:
    return request.app.state.catalogue


@router.get("/queries", response_model=list[QueryInfo], summary="The stored-query catalogue")
def list_queries(request: Request) -> list[QueryInfo]:
    return [info(q) for q in catalogue(request).values()]


@router.get(
    "/queries.zip",
    summary="The catalogue as a zip of .cypher files (Neo4j Browser favourites)",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def queries_zip(request: Request) -> Response:
    return Response(
        catalogue_zip(catalogue(request).values()),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="cibgraph-queries.zip"'},
    )


@router.get(
    "/queries/{name}",
    response_model=QueryRows,
    summary="Run a stored query read-only",
    description=(
        "Parameters go in the query string by their declared names and are validated "
        "against their declared types (lists: repeat the key or separate with commas). "
        "A bad value answers 422. `total` counts every row up to the result cap."
    ),
    responses={404: {"description": "no such query"}, 422: {"description": "bad parameter"}},
)
def run_query(
    name: str,
    request: Request,
    limit: int = Query(100, ge=1, description="Rows per page (at most the result cap)."),
    offset: int = Query(0, ge=0, description="Rows to skip."),
) -> QueryRows:
    cat = catalogue(request)
    if name not in cat:
        raise UnknownQuery(name)
    settings = get_settings(request)
    raw: dict[str, Any] = {}
    for key in request.query_params:
        if key in RESERVED:
            continue
        values = request.query_params.getlist(key)
        raw[key] = values if len(values) > 1 else values[0]
    result = run_stored(
        get_graph(request),
        name,
        raw,
        limit=min(limit, settings.result_cap),
        offset=offset,
        catalogue=cat,
    )
    return QueryRows(
        query=result.query,
        params={k: _jsonable(v) for k, v in result.params.items()},
        rows=result.rows,
        total=result.total,
        limit=result.limit or limit,
        offset=result.offset,
        truncated=result.truncated,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
