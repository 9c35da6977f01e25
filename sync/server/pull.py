"""The downstream half of a sync round: task changes and reviews since a cursor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import ReviewOut, TaskOut
from sync.server import tasks, versions
from sync.server.accounts import Principal
from sync.server.scope import Scope
from sync.server.tables import Report, Task


@dataclass(frozen=True)
class Page:
    tasks: list[TaskOut]
    reviews: list[ReviewOut]
    cursor: str
    has_more: bool
    full_refresh: bool


def review_out(report: Report) -> ReviewOut:
    assert report.reviewed_at is not None
    return ReviewOut.model_validate(
        {
            "report_id": report.id,
            "state": report.review_state,
            "comment": report.review_comment or "",
            "at": report.reviewed_at.isoformat(),
        }
    )


def pull(
    session: Session, principal: Principal, scope: Scope, cursor: str | None, limit: int
) -> Page:
    # Read the counter before any row: every version up to it is committed, so the
    # statements below see them all (see versions.py).
    high = versions.current(session)
    epoch = versions.epoch(session)
    scope_key = versions.scope_key(principal.role, principal.unit_code)
    low, full_refresh = 0, False
    if cursor is not None:
        parsed = versions.Cursor.decode(cursor)
        servable = (
            parsed is not None
            and parsed.epoch == epoch
            and parsed.scope == scope_key
            and parsed.version <= high
        )
        if servable and parsed is not None:
            low = parsed.version
        else:
            full_refresh = True
    changed_tasks = session.scalars(
        select(Task)
        .where(Task.version > low, Task.version <= high, scope.where(Task.unit_code))
        .order_by(Task.version)
        .limit(limit + 1)
    ).all()
    reviewed = session.scalars(
        select(Report)
        .where(
            Report.review_version > low,
            Report.review_version <= high,
            scope.where(Report.unit_code),
        )
        .order_by(Report.review_version)
        .limit(limit + 1)
    ).all()
    merged: list[tuple[int, Task | Report]] = [(t.version, t) for t in changed_tasks]
    merged += [(r.review_version or 0, r) for r in reviewed]
    merged.sort(key=lambda pair: pair[0])
    has_more = len(merged) > limit
    page = merged[:limit]
    reached = page[-1][0] if has_more else high
    return Page(
        tasks=[tasks.to_wire(row) for _v, row in page if isinstance(row, Task)],
        reviews=[review_out(row) for _v, row in page if isinstance(row, Report)],
        cursor=versions.Cursor(epoch, scope_key, reached).encode(),
        has_more=has_more,
        full_refresh=full_refresh,
    )
