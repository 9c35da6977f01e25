"""GET /releases/artifacts/{sha256}: a published installer, one range at a time.

A device on 2G downloads an update in ranges it sizes to the link, and resumes
where a cut stopped it, as it uploads attachments (``sync/uploads.py``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from sync.protocol import MAX_CHUNK_BYTES, ErrorOut
from sync.protocol.release_manifest import MAX_ARTIFACT_BYTES
from sync.server import releases
from sync.server.errors import ApiError
from sync.server.routes.deps import DbDep, PrincipalDep

router = APIRouter()
ShaPath = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="lower-case hex sha256")]


@router.get(
    "/releases/artifacts/{sha256}",
    tags=["updates"],
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "the bytes"},
        404: {"model": ErrorOut},
        422: {"model": ErrorOut},
    },
)
def artifact_range(
    sha256: ShaPath,
    _caller: PrincipalDep,
    db: DbDep,
    offset: Annotated[int, Query(ge=0, le=MAX_ARTIFACT_BYTES)] = 0,
    length: Annotated[int, Query(ge=1, le=MAX_CHUNK_BYTES)] = MAX_CHUNK_BYTES,
) -> Response:
    """Up to ``length`` bytes from ``offset``; fewer only at the end of the file."""
    with db.read() as session:
        data = releases.read_range(session, sha256, offset, length)
    if data is None:
        raise ApiError(404, "not_found", "no published release artifact has this sha256")
    if not data:
        raise ApiError(422, "beyond_size", "offset is at or past the end of the artifact",
                       field="offset")  # fmt: skip
    return Response(data, media_type="application/octet-stream")
