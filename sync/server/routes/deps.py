"""What every endpoint is handed: the database, the caller, the server's settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sync.server.accounts import Principal, authenticate, require_bearer
from sync.server.config import ServerConfig
from sync.server.db import Database
from sync.server.middleware import PRINCIPAL_STATE
from sync.server.protocol_versions import served_protocol
from sync.server.security import token_hash

T = TypeVar("T")
WRITE_ATTEMPTS = 4
_bearer = HTTPBearer(auto_error=False, description="The token from /api/v1/auth/login")


# Plain lookups are ``async``: FastAPI runs sync dependencies on the thread pool,
# and that hop costs more than the lookup.
async def database(request: Request) -> Database:
    db = request.app.state.db
    assert isinstance(db, Database)
    return db


async def config(request: Request) -> ServerConfig:
    cfg = request.app.state.config
    assert isinstance(cfg, ServerConfig)
    return cfg


async def round_slots(request: Request) -> asyncio.Semaphore:
    slots = request.app.state.round_slots
    assert isinstance(slots, asyncio.Semaphore)
    return slots


async def password_slots(request: Request) -> asyncio.Semaphore:
    slots = request.app.state.password_slots
    assert isinstance(slots, asyncio.Semaphore)
    return slots


async def protocol_version(request: Request) -> int:
    """The protocol the answer speaks (the middleware refused any other)."""
    return served_protocol(dict(request.scope["headers"]))


DbDep = Annotated[Database, Depends(database)]
ProtocolDep = Annotated[int, Depends(protocol_version)]
ConfigDep = Annotated[ServerConfig, Depends(config)]
RoundSlotsDep = Annotated[asyncio.Semaphore, Depends(round_slots)]
PasswordSlotsDep = Annotated[asyncio.Semaphore, Depends(password_slots)]


async def bearer_token(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    # HTTPBearer documents the scheme in OpenAPI; the check is the middleware's too.
    return require_bearer(request.headers.get("authorization"))


TokenDep = Annotated[str, Depends(bearer_token)]


def _lookup(db: Database, token: str) -> Principal:
    with db.read() as session:
        return authenticate(session, token)


async def principal(request: Request, db: DbDep, token: TokenDep) -> Principal:
    """The caller the middleware authenticated before reading the body, else looked up."""
    known = request.scope.get("state", {}).get(PRINCIPAL_STATE)
    if isinstance(known, Principal) and known.token_hash == token_hash(token):
        return known
    return await run_in_threadpool(_lookup, db, token)


PrincipalDep = Annotated[Principal, Depends(principal)]


def _retryable(exc: DBAPIError) -> bool:
    """Unique-key races, deadlocks and serialisation failures: a clean retry works."""
    if isinstance(exc, IntegrityError):
        return True
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40001", "40P01", "55P03")


def write(db: Database, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one write transaction, retried when a concurrent writer raced us."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with db.write() as session:
                return work(session)
        except DBAPIError as exc:
            if attempt == WRITE_ATTEMPTS - 1 or not _retryable(exc):
                raise
    raise AssertionError("unreachable")
