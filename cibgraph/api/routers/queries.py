"""Stored queries over HTTP: the catalogue, and one route per query.

`catalogue_router` makes `GET /queries/NAME` for every query of the app's
catalogue, its query-string parameters typed, bounded and documented from the
query's header, so `/docs` shows each query's real form. The values are still
checked by `Param.parse`, the same check the CLI makes, so both refuse alike.
`GET /queries/{name}` remains for callers that build the path.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model

from cibgraph.api.deps import GraphDep, get_settings
from cibgraph.api.guide import catalogue_zip
from cibgraph.api.limits import HeavySlots
from cibgraph.api.security import HEADER, reader
from cibgraph.cypher.catalogue import Param, ParamError, StoredQuery, cypher_literal
from cibgraph.cypher.runner import UnknownQuery
from cibgraph.db import Graph, to_jsonable
from cibgraph.reads import run_stored

router = APIRouter(tags=["queries"], dependencies=[Depends(reader)])

# The routes' own query-string names; the catalogue refuses parameters named so.
PAGING = {"limit", "offset"}
LIMIT_HELP = "Rows per page (at most the result cap)."
OFFSET_HELP = "Rows to skip."
# Far beyond any result cap, and within what JSON numbers hold exactly (found by fuzzing).
MAX_PAGING = 1_000_000_000


class ParamInfo(BaseModel):
    name: str
    type: str
    required: bool
    default: Any = None
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None


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
                minimum=p.minimum,
                maximum=p.maximum,
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


class FastJSON(Response):
    """JSON by orjson: several times faster than `json` on a page of rows."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def _raw_params(request: Request, query: StoredQuery) -> dict[str, Any]:
    known = {p.name for p in query.params}
    raw: dict[str, Any] = {}
    for key in request.query_params:
        if key in PAGING:
            continue
        if key not in known:
            raise ParamError(key, f"{query.name} has no such parameter")
        values = request.query_params.getlist(key)
        raw[key] = values if len(values) > 1 else values[0]
    return raw


def _run(request: Request, graph: Graph, query: StoredQuery, limit: int, offset: int) -> FastJSON:
    settings = get_settings(request)
    raw = _raw_params(request, query)
    cat = catalogue(request)

    def run() -> FastJSON:
        result = run_stored(
            graph,
            query.name,
            raw,
            limit=min(limit, settings.result_cap),
            offset=offset,
            catalogue=cat,
            # A caller waits for an answer; a struggling server gets a 503, not 30 s of retries.
            retry=False,
        )
        body = {
            "query": result.query,
            "params": to_jsonable(result.params),
            "rows": result.rows,
            "total": result.total,
            "limit": result.limit or limit,
            "offset": result.offset,
            "truncated": result.truncated,
        }
        return FastJSON(body)

    if not query.heavy:
        return run()
    # Bind first: a bad value is a 422 whether or not a slot is free.
    query.bind(raw)
    slots: HeavySlots = request.app.state.heavy_slots
    with slots.slot(request.headers.get(HEADER, "")):
        return run()


RUN_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such query"},
    422: {"description": "a parameter is unknown, missing, of the wrong type or out of bounds"},
    503: {
        "description": "the database is busy (a timeout, no query memory, or too many heavy "
        "queries at once); see `Retry-After`"
    },
}


@router.get(
    "/queries/{name}",
    response_model=QueryRows,
    summary="Run a stored query read-only, by name",
    description=(
        "Parameters go in the query string by their declared names and are validated "
        "against their declared types and bounds (lists: repeat the key or separate with "
        "commas). A bad value answers 422. `total` counts every row up to the result cap. "
        "Each query also has its own route, `GET /queries/NAME`, documenting its parameters."
    ),
    responses=RUN_RESPONSES,
)
def run_query(
    name: str,
    request: Request,
    graph: GraphDep,
    limit: int = Query(100, ge=1, le=MAX_PAGING, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_PAGING, description=OFFSET_HELP),
) -> Response:
    cat = catalogue(request)
    if name not in cat:
        raise UnknownQuery(name)
    return _run(request, graph, cat[name], limit, offset)


_PY: dict[str, type] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "date": date,
    "datetime": datetime,
}


def param_schema(p: Param) -> dict[str, Any]:
    """The JSON schema of one declared parameter (type, bounds, default)."""
    if p.is_list:
        base: Any = list[_PY[p.type[5:-1]]]  # type: ignore[misc]
    else:
        base = _PY[p.type]
    limits: dict[str, Any] = {}
    if p.type in ("int", "float"):
        limits = {"ge": p.minimum, "le": p.maximum}
    elif p.is_list or p.type == "str":
        limits = {"min_length": p.minimum, "max_length": p.maximum}
    field = Field(**{k: v for k, v in limits.items() if v is not None})
    schema = TypeAdapter(Annotated[base, field]).json_schema()
    if not p.required:
        schema["default"] = to_jsonable(p.default)
    return schema


def _openapi_param(p: Param) -> dict[str, Any]:
    text = p.help or p.name
    if p.is_list:
        text += " (repeat the key, or separate the values with commas)"
    if not p.required:
        text += f". Default: `{cypher_literal(p.default)}`"
    return {
        "name": p.name,
        "in": "query",
        "required": p.required,
        "description": text,
        "schema": param_schema(p),
        "style": "form",
        "explode": True,
    }


def _camel(name: str) -> str:
    return "".join(w.capitalize() for w in name.split("_"))


def _rows_model(q: StoredQuery) -> type[BaseModel]:
    row = create_model(  # type: ignore[call-overload]
        f"{_camel(q.name)}Row",
        __config__=ConfigDict(extra="allow"),
        **{c: (Any, None) for c in q.columns},
    )
    return create_model(f"{_camel(q.name)}Rows", __base__=QueryRows, rows=(list[row], ...))


def catalogue_router(cat: dict[str, StoredQuery]) -> APIRouter:
    """One `GET /queries/NAME` per stored query, documented from its header."""
    out = APIRouter(tags=["stored queries"], dependencies=[Depends(reader)])
    for q in cat.values():
        cost = " Heavy: a few at a time per key and in all (503 beyond)." if q.heavy else ""
        out.add_api_route(
            f"/queries/{q.name}",
            _endpoint(q),
            methods=["GET"],
            name=f"query_{q.name}",
            operation_id=f"query_{q.name}",
            summary=q.description.split(". ")[0].rstrip(".")[:120],
            description=f"{q.description}\n\nColumns: {', '.join(q.columns)}.{cost}",
            response_model=None,
            responses={200: {"model": _rows_model(q)}, **RUN_RESPONSES},
            openapi_extra={"parameters": [_openapi_param(p) for p in q.params]},
        )
    return out


def _endpoint(q: StoredQuery) -> Any:
    def endpoint(
        request: Request,
        graph: GraphDep,
        limit: int = Query(100, ge=1, le=MAX_PAGING, description=LIMIT_HELP),
        offset: int = Query(0, ge=0, le=MAX_PAGING, description=OFFSET_HELP),
    ) -> Response:
        return _run(request, graph, q, limit, offset)

    return endpoint
