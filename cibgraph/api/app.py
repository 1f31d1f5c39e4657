"""The FastAPI application: `create_app(settings=None)`.

Data endpoints need an API key (`X-API-Key`); `/health` and `/guide` do not
(the guide holds only the stored-query catalogue, which Neo4j Browser fetches
itself). Stored queries run read-only with the settings' timeout and cap.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from cibgraph import __version__
from cibgraph.api import errors
from cibgraph.api.limits import HeavySlots
from cibgraph.api.routers import accounts, admin, groups, guide, health, queries, views
from cibgraph.api.security import HEADER, parse_keys
from cibgraph.cypher.catalogue import StoredQuery, load_catalogue
from cibgraph.settings import Settings, get_settings

log = logging.getLogger("cibgraph.api")


def create_app(
    settings: Settings | None = None, *, catalogue: dict[str, StoredQuery] | None = None
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync endpoints run on anyio's thread pool; its size is a knob because each request
        # holds the GIL to decode Bolt and encode JSON (docs/api.md, "Load benchmark").
        to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        yield
        if app.state.graph is not None:
            app.state.graph.close()

    app = FastAPI(
        title="cibgraph",
        version=__version__,
        description=(
            "Read-only access to a cibgraph investigation: stored queries, detected groups, "
            f"accounts and network views. Send an API key in the `{HEADER}` header."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.graph = None
    app.state.api_keys = parse_keys(settings.api_keys)
    app.state.catalogue = load_catalogue() if catalogue is None else catalogue
    app.state.guide_origins = guide.browser_origins(settings.browser_url)
    app.state.heavy_slots = HeavySlots(
        settings.heavy_per_key,
        settings.heavy_total,
        retry_after=errors.RETRY_AFTER,
        directory=settings.api_slot_dir,
    )
    if not app.state.api_keys:
        log.warning("CIBGRAPH_API_KEYS is empty: every data endpoint will answer 401")

    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=[HEADER, "Content-Type"],
        )
    errors.install(app)
    # Before the generic `/queries/{name}`, so each query's own route answers for it.
    app.include_router(queries.catalogue_router(app.state.catalogue))
    for r in (health, queries, groups, accounts, views, guide, admin):
        app.include_router(r.router)
    return app
