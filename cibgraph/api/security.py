"""API keys with roles and names, from `CIBGRAPH_API_KEYS="key:role:name,key:role"`.

`reader` may call every read-only endpoint; `analyst` may also record
verdicts; `admin` may do everything, including running detection. A key's
name (optional; letters, digits, `._@-`) is what a verdict records as its
author; an unnamed key is recorded as its role and a short fingerprint.
Keys travel in the `X-API-Key` header.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader

ROLES = ("reader", "analyst", "admin")  # each may do what the ones before it may
_NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")
HEADER = "X-API-Key"

api_key_header = APIKeyHeader(
    name=HEADER, auto_error=False, description="An API key from the settings."
)


class KeyConfigError(ValueError):
    pass


@dataclass(frozen=True)
class KeyInfo:
    role: str
    name: str


def parse_key_entries(spec: str) -> dict[str, KeyInfo]:
    """`"k1:reader,k2:analyst:ana"` -> {key: KeyInfo(role, name)}.

    Refuses unknown roles, short keys and names outside `[A-Za-z0-9._@-]{1,64}`.
    """
    keys: dict[str, KeyInfo] = {}
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        parts = item.split(":")
        name = ""
        if len(parts) >= 3 and parts[-2].strip() in ROLES:
            key, role, name = ":".join(parts[:-2]), parts[-2].strip(), parts[-1].strip()
        elif len(parts) >= 2:
            key, role = ":".join(parts[:-1]), parts[-1].strip()
        else:
            raise KeyConfigError(f"CIBGRAPH_API_KEYS entry {item[:4]}... is not key:role[:name]")
        if not key:
            raise KeyConfigError(f"CIBGRAPH_API_KEYS entry {item[:4]}... is not key:role[:name]")
        if role not in ROLES:
            raise KeyConfigError(f"CIBGRAPH_API_KEYS: unknown role {role!r} ({', '.join(ROLES)})")
        if len(key) < 16:
            raise KeyConfigError("CIBGRAPH_API_KEYS: every key needs at least 16 characters")
        if name and not _NAME.fullmatch(name):
            raise KeyConfigError(
                f"CIBGRAPH_API_KEYS: key name {name[:20]!r} may hold only letters, digits "
                "and ._@- (at most 64)"
            )
        # Unnamed: the role and a fingerprint that tells keys apart without revealing one.
        keys[key] = KeyInfo(role, name or f"{role}-{hashlib.sha256(key.encode()).hexdigest()[:8]}")
    return keys


def parse_keys(spec: str) -> dict[str, str]:
    """`"k1:reader,k2:admin:ops"` -> {key: role}; see `parse_key_entries`."""
    return {k: v.role for k, v in parse_key_entries(spec).items()}


@lru_cache(maxsize=8)
def _names(spec: str) -> dict[str, str]:
    return {k: v.name for k, v in parse_key_entries(spec).items()}


@dataclass(frozen=True)
class Caller:
    role: str
    name: str = ""


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
    return Caller(role, _names(request.app.state.settings.api_keys).get(key or "", role))


def require(role: str) -> Callable[[Caller], Awaitable[Caller]]:
    need = ROLES.index(role)

    async def check(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
        if ROLES.index(caller.role) < need:
            who = " or ".join(ROLES[need:])
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail=f"this endpoint needs an {who} key"
            )
        return caller

    return check


reader = require("reader")
analyst = require("analyst")
admin = require("admin")
