"""Attachment upload: ask how much the server has, then PUT chunks from there."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from sync.protocol import MAX_BLOB_BYTES, MAX_CHUNK_BYTES, BlobStatus, ErrorOut
from sync.server import blobs
from sync.server.routes.deps import ConfigDep, DbDep, PrincipalDep, write

router = APIRouter()
ShaPath = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="lower-case hex sha256")]


@router.get("/blobs/{sha256}", response_model=BlobStatus, tags=["attachments"])
def blob_status(sha256: ShaPath, caller: PrincipalDep, db: DbDep) -> BlobStatus:
    """The caller's own upload: what they sent, whatever anyone else holds."""
    with db.read() as session:
        return blobs.status(session, caller, sha256)


@router.put(
    "/blobs/{sha256}",
    response_model=BlobStatus,
    tags=["attachments"],
    responses={
        403: {"model": ErrorOut},
        409: {"model": ErrorOut, "description": "offset_mismatch; error.received says where"},
        413: {"model": ErrorOut},
        422: {"model": ErrorOut},
        429: {
            "model": ErrorOut,
            "description": "upload_quota_exceeded: the unit's unfinished uploads are at "
            "its quota; try again later",
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {
                    "schema": {"type": "string", "format": "binary", "maxLength": MAX_CHUNK_BYTES}
                }
            },
        }
    },
)
async def blob_put(
    request: Request,
    *,
    sha256: ShaPath,
    caller: PrincipalDep,
    db: DbDep,
    settings: ConfigDep,
    offset: Annotated[int, Query(ge=0, le=MAX_BLOB_BYTES)],
    size: Annotated[int | None, Query(ge=1, le=MAX_BLOB_BYTES)] = None,
    x_blob_size: Annotated[int | None, Header(ge=1, le=MAX_BLOB_BYTES)] = None,
) -> BlobStatus:
    """Append one chunk at ``offset``; the last one makes the server verify the hash."""
    data = await request.body()  # already capped by the middleware
    declared = size if size is not None else x_blob_size
    outcome = await run_in_threadpool(
        write,
        db,
        lambda s: blobs.put_chunk(
            s,
            principal=caller,
            sha256=sha256,
            offset=offset,
            data=data,
            size=declared,
            quota=settings.upload_quota,
            key=settings.server_key,
        ),
    )
    if outcome.error is not None:
        raise outcome.error
    return outcome.status
