"""The downstream half of a sync round: task changes, reviews and (protocol 2) tasks
to drop since a cursor.

A withdrawn task is a task row with a new version; a task moved away is a
``TaskDeparture`` row under the unit it left, with its own version. Both become
``removed`` entries for protocol 2. A protocol 1 client cannot be told (its wire
model refuses unknown keys): withdrawn tasks are left out of its answers, as are
departures, and it keeps its copy as it always did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from sync.protocol import PROTOCOL_VERSION, RemovedTaskOut, ReviewOut, TaskOut
from sync.server import tasks, versions
from sync.server.accounts import Principal
from sync.server.scope import Scope
from sync.server.tables import Report, Task, TaskDeparture


@dataclass(frozen=True)
class Page:
    tasks: list[TaskOut]
    reviews: list[ReviewOut]
    removed: list[RemovedTaskOut]
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


def _departures(units: bool) -> Any:
    query = (
        select(TaskDeparture, Task.unit_code)
        .join(Task, Task.id == TaskDeparture.task_id)
        .where(TaskDeparture.version > bindparam("low"), TaskDeparture.version <= bindparam("high"))
    )
    if units:
        query = query.where(TaskDeparture.unit_code.in_(bindparam("units", expanding=True)))
    return query.order_by(TaskDeparture.version).limit(bindparam("limit"))


_DEPARTURES = {units: _departures(units) for units in (True, False)}


def withdrawn_out(task: Task) -> RemovedTaskOut:
    assert task.withdrawn_at is not None
    return RemovedTaskOut(
        id=task.id,
        why="withdrawn",
        reason=task.withdrawn_reason or "",
        at=task.withdrawn_at.isoformat(),
        version=task.version,
    )


def _moved_out(departure: TaskDeparture) -> RemovedTaskOut:
    return RemovedTaskOut(
        id=departure.task_id,
        why="moved",
        at=departure.moved_at.isoformat(),
        version=departure.version,
    )


def _statement(statements: dict[bool, Any], scope: Scope) -> Any:
    return statements[scope.units is not None]


def _params(scope: Scope, low: int, high: int, limit: int) -> dict[str, Any]:
    params: dict[str, Any] = {"low": low, "high": high, "limit": limit}
    if scope.units is not None:
        params["units"] = sorted(scope.units)
    return params


def pull(
    session: Session,
    principal: Principal,
    scope: Scope,
    cursor: str | None,
    limit: int,
    *,
    protocol: int = PROTOCOL_VERSION,
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
    merged: list[tuple[int, Task | Report | TaskDeparture]] = [
        (t.version, t) for t in changed_tasks
    ]
    merged += [(r.review_version or 0, r) for r in reviewed]
    inside: set[int] = set()
    if protocol >= 2:
        departed = session.execute(
            _statement(_DEPARTURES, scope), _params(scope, low, high, limit + 1)
        ).all()
        # Every row read counts towards the page, so the cut stays exact; a move
        # inside the user's units (a reviewer's two communes) is read but not a
        # departure for them: the task's own new version brings the change.
        merged += [(d.version, d) for d, _unit in departed]
        inside = {d.id for d, unit in departed if scope.allows(unit)}
    merged.sort(key=lambda pair: pair[0])
    has_more = len(merged) > limit
    page = merged[:limit]
    reached = page[-1][0] if has_more else high
    open_tasks = [r for _v, r in page if isinstance(r, Task) and r.withdrawn_at is None]
    removed: list[RemovedTaskOut] = []
    for _v, row in page if protocol >= 2 else ():
        if isinstance(row, Task) and row.withdrawn_at is not None:
            removed.append(withdrawn_out(row))
        elif isinstance(row, TaskDeparture) and row.id not in inside:
            removed.append(_moved_out(row))
    return Page(
        tasks=[tasks.to_wire(row) for row in open_tasks],
        reviews=[review_out(row) for _v, row in page if isinstance(row, Report)],
        removed=removed,
        cursor=versions.Cursor(epoch, scope_key, reached).encode(),
        has_more=has_more,
        full_refresh=full_refresh,
    )
