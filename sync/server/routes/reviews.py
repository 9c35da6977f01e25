"""Reviewer endpoints: list received reports, return or accept one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from sync.protocol import (
    MAX_PAGE,
    AcceptIn,
    ErrorOut,
    ReportList,
    ReportOut,
    ReturnIn,
    ReviewOut,
)
from sync.server import attachment_files, reviews
from sync.server.errors import ApiError
from sync.server.pull import review_out
from sync.server.routes.deps import ConfigDep, DbDep, PrincipalDep, write

router = APIRouter()
IdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


@router.get("/reports", response_model=ReportList, tags=["review"], responses=_ERRORS)
def list_reports(
    *,
    caller: PrincipalDep,
    db: DbDep,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    task_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ReportList:
    """Newest first; only reports of the caller's units."""
    reviews.require_reviewer(caller)
    with db.read() as session:
        found, more = reviews.listing(
            session, caller.scope(session), unit=unit, task_id=task_id, limit=limit, offset=offset
        )
    return ReportList(reports=found, has_more=more)


@router.get("/reports/{report_id}", response_model=ReportOut, tags=["review"], responses=_ERRORS)
def read_report(report_id: IdPath, caller: PrincipalDep, db: DbDep, cfg: ConfigDep) -> ReportOut:
    """One report in full: a classified one is opened for the caller (audited)."""
    reviews.require_reviewer(caller)
    return write(
        db,
        lambda s: reviews.read(s, caller.username, caller.scope(s), report_id, cfg.server_key),
    )


@router.get(
    "/reports/{report_id}/attachments/{attachment_id}",
    tags=["review"],
    responses={
        **_ERRORS,
        200: {"content": {"application/octet-stream": {}}, "description": "the file"},
        409: {"model": ErrorOut, "description": "sealed_unreadable"},
    },
)
def download_attachment(
    report_id: IdPath, attachment_id: IdPath, caller: PrincipalDep, db: DbDep, cfg: ConfigDep
) -> StreamingResponse:
    """One attachment as its author attached it, as a file. A classified report's is
    opened for the caller (audited ``report.unseal``), checked whole, then sent."""
    reviews.require_reviewer(caller)
    key = cfg.server_key
    found, _ = write(
        db,
        lambda s: attachment_files.describe(
            s, caller, caller.scope(s), report_id, attachment_id, key, open_sealed=True
        ),
    )
    if not found.complete:
        raise ApiError(404, "not_found", "This attachment has not been uploaded yet.")
    with db.read() as session:
        attachment_files.check(session, found, key)

    def body() -> Iterator[bytes]:
        with db.read() as session:
            yield from attachment_files.chunks(session, found, key)

    return StreamingResponse(
        body(),
        media_type=found.mime_type or "application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.name)}",
            "Content-Length": str(found.size),
        },
    )


@router.post(
    "/reports/{report_id}/return", response_model=ReviewOut, tags=["review"], responses=_ERRORS
)
def return_report(report_id: IdPath, body: ReturnIn, caller: PrincipalDep, db: DbDep) -> ReviewOut:
    """Send a report back with a comment; it reaches the officer on the next sync."""
    report = write(
        db,
        lambda s: reviews.review(
            s, caller, caller.scope(s), report_id, state="returned", comment=body.comment
        ),
    )
    return review_out(report)


@router.post(
    "/reports/{report_id}/accept", response_model=ReviewOut, tags=["review"], responses=_ERRORS
)
def accept_report(
    report_id: IdPath, caller: PrincipalDep, db: DbDep, body: AcceptIn | None = None
) -> ReviewOut:
    comment = body.comment if body is not None else ""
    report = write(
        db,
        lambda s: reviews.review(
            s, caller, caller.scope(s), report_id, state="accepted", comment=comment
        ),
    )
    return review_out(report)
