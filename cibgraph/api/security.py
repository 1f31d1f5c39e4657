"""API keys with roles, from `CIBGRAPH_API_KEYS="key:role,key:role"`.

`reader` may call every read-only endpoint; `admin` may also call the ones
that write. Keys travel in the `X-API-Key` header.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader

ROLES = ("reader", "admin")
HEADER = "X-API-Key"

api_key_header = APIKeyHeader(
    name=HEADER, auto_error=False, description="An API key from the settings."
)


class KeyConfigError(ValueError):
    pass


def parse_keys(spec: str) -> dict[str, str]:
    """`"k1:reader,k2:admin"` -> {key: role}; refuses unknown roles and short keys."""
    keys: dict[str, str] = {}
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        key, sep, role = item.rpartition(":")
        if not sep or not key:
            raise KeyConfigError(f"CIBGRAPH_API_KEYS entry {item[:4]}... is not key:role")
        role = role.strip()
        if role not in ROLES:
            raise KeyConfigError(f"CIBGRAPH_API_KEYS: unknown role {role!r} (reader or admin)")
        if len(key) < 16:
            raise KeyConfigError("CIBGRAPH_API_KEYS: every key needs at least 16 characters")
        keys[key] = role
    return keys


@dataclass(frozen=True)
class Caller:
    role: str


def _lookup(keys: dict[str, str], given: str) -> str | None:
    role = None
    # Compare against every key in constant time, so timing reveals nothing.
    for key, r in keys.items():
        if hmac.compare_digest(key.encode(), given.encode()):
            role = r
    return role


# Async on purpose: pure CPU work, so it runs on the event loop instead of costing a
# thread-pool round trip per request as a sync dependency would.
async def authenticate(
    request: Request, key: Annotated[str | None, Depends(api_key_header)]
) -> Caller:
    keys: dict[str, str] = request.app.state.api_keys
    role = _lookup(keys, key) if key else None
    if role is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"a valid API key is required in the {HEADER} header",
            headers={"WWW-Authenticate": "APIKey"},
        )
    return Caller(role)


def require(role: str) -> Callable[[Caller], Awaitable[Caller]]:
    async def check(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
        if role == "admin" and caller.role != "admin":
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail="this endpoint needs an admin key"
            )
        return caller

    return check


reader = require("reader")
admin = require("admin")
