from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from cibgraph.api.deps import GraphDep, get_settings
from cibgraph.api.security import reader
from cibgraph.cypher.runner import UnknownQuery
from cibgraph.viz.data import ViewData, account_view, group_view, query_view
from cibgraph.viz.pages import account_page_data, api_links, group_page_data, render_page
from cibgraph.viz.render import DEFAULT_CAP, render_view

router = APIRouter(prefix="/views", tags=["views"], dependencies=[Depends(reader)])

# The page is self-contained; this header makes the browser refuse anything else.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'"
)
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "A self-contained HTML page"}
}


def _html(html: str) -> HTMLResponse:
    return HTMLResponse(
        html, headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
    )


def _page(request: Request, data: ViewData, cap: int) -> HTMLResponse:
    return _html(render_view(data, browser_url=get_settings(request).browser_url, cap=cap))


@router.get(
    "/groups/{group_id}",
    response_class=HTMLResponse,
    responses=HTML,
    summary="A group's page: verdict, network, members, timeline, lags, activity, evidence",
)
def view_group(
    group_id: str,
    graph: GraphDep,
    since: date | None = Query(
        None, description="Date for the share of activity since (1990-01-01 to 2100-12-31)."
    ),
) -> HTMLResponse:
    if since is not None and not date(1990, 1, 1) <= since <= date(2100, 12, 31):
        raise HTTPException(422, detail="since must be between 1990-01-01 and 2100-12-31")
    data = group_page_data(graph, group_id, links=api_links(), since=since)
    return _html(render_page(data))


@router.get(
    "/groups/{group_id}/network",
    response_class=HTMLResponse,
    responses=HTML,
    summary="Network view of a group with every co-posted item drawn",
)
def view_group_network(
    group_id: str, request: Request, graph: GraphDep, cap: int = Query(DEFAULT_CAP, ge=1, le=5000)
) -> HTMLResponse:
    return _page(request, group_view(graph, group_id), cap)


@router.get(
    "/accounts/{account_id}",
    response_class=HTMLResponse,
    responses=HTML,
    summary="An account's page: profile, signals, verdict, groups, activity, neighbours",
)
def view_account(account_id: str, graph: GraphDep) -> HTMLResponse:
    data = account_page_data(graph, account_id, links=api_links())
    return _html(render_page(data))


@router.get(
    "/accounts/{account_id}/network",
    response_class=HTMLResponse,
    responses=HTML,
    summary="Network view of an account's neighbourhood",
)
def view_account_network(
    account_id: str, request: Request, graph: GraphDep, cap: int = Query(DEFAULT_CAP, ge=1, le=5000)
) -> HTMLResponse:
    return _page(request, account_view(graph, account_id), cap)


@router.get(
    "/queries/{name}",
    response_class=HTMLResponse,
    responses=HTML,
    summary="Network view of a stored query that returns accounts or pairs",
    description="Query-string parameters as for `GET /queries/{name}`; `cap` limits nodes.",
)
def view_query(
    name: str, request: Request, graph: GraphDep, cap: int = Query(DEFAULT_CAP, ge=1, le=5000)
) -> HTMLResponse:
    cat = request.app.state.catalogue
    if name not in cat:
        raise UnknownQuery(name)
    raw = {}
    for key in request.query_params:
        if key == "cap":
            continue
        values = request.query_params.getlist(key)
        raw[key] = values if len(values) > 1 else values[0]
    return _page(request, query_view(graph, name, raw, catalogue=cat), cap)
