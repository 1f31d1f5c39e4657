"""Dependencies the routers receive: settings and the shared `Graph` (`GraphDep`)."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from cibgraph.db import Graph
from cibgraph.settings import Settings

_lock = threading.Lock()


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_graph(request: Request) -> Graph:
    """One driver per app, made on first use so the app starts without Neo4j."""
    state = request.app.state
    if state.graph is None:
        with _lock:
            if state.graph is None:
                state.graph = Graph(state.settings)
    return state.graph


async def _graph(request: Request) -> Graph:
    # Async, so FastAPI calls it on the event loop rather than sending it to the thread
    # pool: making the driver opens no connection, and after the first call it is a lookup.
    return get_graph(request)


GraphDep = Annotated[Graph, Depends(_graph)]
