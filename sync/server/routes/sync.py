"""POST /sync: one request, one whole sync round (push a batch, pull changes)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from dxdesk.clock import utcnow
from sync.protocol import Ack, ErrorOut, SyncIn, SyncOut
from sync.server import ingest, pull, releases
from sync.server.accounts import Principal
from sync.server.config import ServerConfig
from sync.server.db import Database
from sync.server.routes.deps import (
    ConfigDep,
    DbDep,
    PrincipalDep,
    ProtocolDep,
    RoundSlotsDep,
    write,
)

router = APIRouter()


@router.post(
    "/sync",
    response_model=SyncOut,
    tags=["sync"],
    responses={401: {"model": ErrorOut}, 413: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
async def sync_round(
    body: SyncIn,
    caller: PrincipalDep,
    db: DbDep,
    cfg: ConfigDep,
    slots: RoundSlotsDep,
    protocol: ProtocolDep,
) -> Response:
    """A few rounds run at once; the rest wait their turn here (see ServerConfig)."""
    async with slots:
        out = await run_in_threadpool(_round, body, caller, db, cfg, protocol)
    # Protocol 2 fields are left out for protocol 1, whose clients refuse keys they
    # do not know (docs/protocol.md, "Versions"); ``update`` also when there is none.
    omit = {"removed", "update"} if protocol < 2 else set()
    if out.update is None:
        omit.add("update")
    # Serialised by pydantic's own encoder: a dict through json.dumps cost 4× as much.
    return Response(out.model_dump_json(exclude=omit), media_type="application/json")


def _round(
    body: SyncIn, caller: Principal, db: Database, cfg: ServerConfig, protocol: int
) -> SyncOut:
    """Acks commit with the stored reports; the pull runs after, in its own snapshot.

    ``caller`` is the one the body layer authenticated before reading the body: a
    second look-up here cost a read transaction per round, ~5 % of a busy server's
    CPU. A token revoked while its round waited for a slot (seconds at most) still
    finishes that round; the next one is refused."""
    acks: list[Ack] = []
    if body.reports:
        with db.read() as session:  # the costly checks, before taking the write lock
            checked = ingest.check(session, caller, list(body.reports), cfg.server_key)
        acks = write(
            db, lambda s: ingest.store(s, caller, caller.scope(s), checked, cfg.server_key)
        )
    with db.read() as session:
        page = pull.pull(
            session, caller, caller.scope(session), body.cursor, body.limit, protocol=protocol
        )
        client = body.client
        update = (
            releases.offer(session, client.version, client.platform, client.channel)
            if client is not None
            else None
        )
    return SyncOut(
        acks=acks,
        tasks=page.tasks,
        reviews=page.reviews,
        removed=page.removed,
        cursor=page.cursor,
        has_more=page.has_more,
        full_refresh=page.full_refresh,
        server_time=utcnow().isoformat(),
        update=update,
    )
