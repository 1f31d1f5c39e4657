from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cibgraph import __version__
from cibgraph.api.deps import get_graph

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str
    neo4j: str
    detail: str | None = None


@router.get(
    "/health",
    response_model=Health,
    summary="Server and Neo4j reachability (no key needed)",
    responses={503: {"model": Health, "description": "Neo4j is not reachable"}},
)
def health(request: Request) -> Any:
    # Not `GraphDep`: a graph that cannot even be made is an answer here (503), not an error.
    try:
        # verify_connectivity answers at once; a read would be retried for ~30 s.
        get_graph(request).verify()
    except Exception as e:  # any failure means "not reachable"; only its kind is shown
        body = Health(
            status="degraded", version=__version__, neo4j="unreachable", detail=type(e).__name__
        )
        return JSONResponse(body.model_dump(), status_code=503)
    return Health(status="ok", version=__version__, neo4j="ok")
