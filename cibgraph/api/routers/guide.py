from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cibgraph.api.guide import render_guide

router = APIRouter(tags=["guide"])


def browser_origin(browser_url: str) -> str:
    parts = urlsplit(browser_url)
    return f"{parts.scheme}://{parts.netloc}"


@router.get(
    "/guide",
    response_class=HTMLResponse,
    summary="Neo4j Browser guide for the stored queries (no key needed)",
    description=(
        "Run `:play <api>/guide` in Neo4j Browser. The guide holds only the query "
        "catalogue (no data), so it is served without a key: Browser fetches it "
        "itself and cannot send one."
    ),
)
def guide(request: Request) -> HTMLResponse:
    resp = HTMLResponse(render_guide(request.app.state.catalogue.values()))
    # Browser fetches the guide cross-origin from its own page.
    origin = request.headers.get("origin")
    allowed = request.app.state.guide_origins
    if origin and origin in allowed:
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Vary"] = "Origin"
    return resp
