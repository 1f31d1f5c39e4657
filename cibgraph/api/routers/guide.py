from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from cibgraph.api.guide import render_guide

router = APIRouter(tags=["guide"])


def browser_origins(browser_url: str) -> set[str]:
    """The Browser page's origin; for a loopback Browser, both of its usual names."""
    parts = urlsplit(browser_url)
    origins = {f"{parts.scheme}://{parts.netloc}"}
    if parts.hostname in {"127.0.0.1", "localhost"}:
        port = f":{parts.port}" if parts.port else ""
        origins |= {f"{parts.scheme}://127.0.0.1{port}", f"{parts.scheme}://localhost{port}"}
    return origins


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
    base = str(request.base_url).rstrip("/")
    return _cors(
        request, HTMLResponse(render_guide(request.app.state.catalogue.values(), api_base=base))
    )


def _cors(request: Request, resp: HTMLResponse | PlainTextResponse) -> Any:
    # Browser fetches the guide and the style cross-origin from its own page.
    origin = request.headers.get("origin")
    allowed = request.app.state.guide_origins
    if origin and origin in allowed:
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Vary"] = "Origin"
    return resp


@lru_cache(maxsize=1)
def grass() -> str:
    return (resources.files("cibgraph.api") / "templates" / "style.grass").read_text("utf-8")


@router.get(
    "/style.grass",
    response_class=PlainTextResponse,
    summary="Neo4j Browser stylesheet (GraSS) for an investigation (no key needed)",
    description="Run `:style <api>/style.grass` in Neo4j Browser (the guide's first slide does).",
)
def style(request: Request) -> PlainTextResponse:
    return _cors(request, PlainTextResponse(grass()))
