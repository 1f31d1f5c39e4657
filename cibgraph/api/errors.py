"""Every error is JSON `{"error": message, ...}`; no stack traces, no credentials."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from neo4j.exceptions import (
    AuthError,
    ClientError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from cibgraph.api.limits import Busy
from cibgraph.cypher.catalogue import ParamError
from cibgraph.cypher.runner import UnknownQuery
from cibgraph.db import MEMORY_CODES
from cibgraph.errors import NotFound
from cibgraph.viz.render import NotAccountRows

log = logging.getLogger("cibgraph.api")


# Neo4j codes meaning "the server could not afford this query now", not "the query is wrong".
_OVERLOAD = (*MEMORY_CODES, "OutOfMemory")
_TIMEOUT = ("TransactionTimedOut",)
RETRY_AFTER = 10


def _json(status: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _retry_later(message: str, seconds: int = RETRY_AFTER) -> JSONResponse:
    resp = _json(503, message)
    resp.headers["Retry-After"] = str(seconds)
    return resp


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        resp = _json(exc.status_code, str(exc.detail))
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        return resp

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        text = "; ".join(f"{p['where']}: {p['message']}" for p in problems)
        return _json(422, f"invalid request: {text}", problems=problems)

    @app.exception_handler(ParamError)
    async def bad_param(_: Request, exc: ParamError) -> JSONResponse:
        return _json(422, str(exc), param=exc.param)

    @app.exception_handler(UnknownQuery)
    async def unknown_query(_: Request, exc: UnknownQuery) -> JSONResponse:
        return _json(404, f"no stored query named {exc.args[0]!r}")

    @app.exception_handler(NotAccountRows)
    async def not_accounts(_: Request, exc: NotAccountRows) -> JSONResponse:
        return _json(422, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _json(404, str(exc))

    @app.exception_handler(ServiceUnavailable)
    @app.exception_handler(SessionExpired)
    async def unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("Neo4j unavailable: %s", type(exc).__name__)
        return _json(503, "the Neo4j database is not reachable")

    @app.exception_handler(AuthError)
    async def db_auth(_: Request, exc: AuthError) -> JSONResponse:
        log.error("Neo4j refused the configured credentials")
        return _json(503, "the API could not authenticate to Neo4j; check its settings")

    @app.exception_handler(Busy)
    async def busy(_: Request, exc: Busy) -> JSONResponse:
        return _retry_later(str(exc), exc.retry_after)

    @app.exception_handler(Neo4jError)
    async def db_error(request: Request, exc: Neo4jError) -> JSONResponse:
        code = exc.code or ""
        if any(c in code for c in _TIMEOUT):
            limit = request.app.state.settings.query_timeout
            return _retry_later(
                f"the query ran longer than the {limit:g} s timeout and was stopped; "
                "narrow its parameters or retry later"
            )
        if any(c in code for c in _OVERLOAD):
            log.warning("Neo4j out of query memory (%s)", code)
            return _retry_later(
                "the database has no memory to spare for this query now; "
                "narrow its parameters or retry later"
            )
        if isinstance(exc, TransientError):
            return _retry_later(f"the database is briefly unable to answer ({code}); retry")
        # Callers never send Cypher, so any other refusal is the server's fault.
        log.error("Neo4j error %s", code)
        kind = "refused the query" if isinstance(exc, ClientError) else "failed"
        return _json(500, f"the database {kind} ({code})")

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _json(500, "internal error")
