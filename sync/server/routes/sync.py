"""POST /sync: one request, one whole sync round (push a batch, pull changes)."""

from __future__ import annotations

from fastapi import APIRouter

from dxdesk.clock import utcnow
from sync.protocol import Ack, ErrorOut, SyncIn, SyncOut
from sync.server import ingest, pull
from sync.server.routes.deps import ConfigDep, DbDep, PrincipalDep, write

router = APIRouter()


@router.post(
    "/sync",
    response_model=SyncOut,
    tags=["sync"],
    responses={401: {"model": ErrorOut}, 413: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def sync_round(body: SyncIn, caller: PrincipalDep, db: DbDep, cfg: ConfigDep) -> SyncOut:
    """Acks commit with the stored reports; the pull runs after, in its own snapshot."""
    acks: list[Ack] = []
    if body.reports:
        with db.read() as session:  # the costly checks, before taking the write lock
            checked = ingest.check(session, caller, list(body.reports), cfg.server_key)
        acks = write(
            db, lambda s: ingest.store(s, caller, caller.scope(s), checked, cfg.server_key)
        )
    with db.read() as session:
        page = pull.pull(session, caller, caller.scope(session), body.cursor, body.limit)
    return SyncOut(
        acks=acks,
        tasks=page.tasks,
        reviews=page.reviews,
        cursor=page.cursor,
        has_more=page.has_more,
        full_refresh=page.full_refresh,
        server_time=utcnow().isoformat(),
    )
