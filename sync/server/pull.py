"""The downstream half of a sync round: task changes and reviews since a cursor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
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


# Built once, for a scope of some units or of all: every sync round runs them.
def _changes(model: type[Task] | type[Report], column: Any, units: bool) -> Any:
    query = select(model).where(column > bindparam("low"), column <= bindparam("high"))
    if units:
        query = query.where(model.unit_code.in_(bindparam("units", expanding=True)))
    return query.order_by(column).limit(bindparam("limit"))


_TASKS = {units: _changes(Task, Task.version, units) for units in (True, False)}
_REVIEWS = {units: _changes(Report, Report.review_version, units) for units in (True, False)}


def _statement(statements: dict[bool, Any], scope: Scope) -> Any:
    return statements[scope.units is not None]


def _params(scope: Scope, low: int, high: int, limit: int) -> dict[str, Any]:
    params: dict[str, Any] = {"low": low, "high": high, "limit": limit}
    if scope.units is not None:
        params["units"] = sorted(scope.units)
    return params


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
        _statement(_TASKS, scope), _params(scope, low, high, limit + 1)
    ).all()
    reviewed = session.scalars(
        _statement(_REVIEWS, scope), _params(scope, low, high, limit + 1)
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
