"""Each task's indicators as rows (``task_indicator``): the target beside the value
the task's newest report gave, newest by the server's receipt time, then report id.

Kept where both are written — a task's indicator list (``tasks.stamp``) and a
report's arrival (``ingest.store``) — so the console's overview sums targets and
values in one aggregate over the subtree. Reading every task's list and seeking its
newest report per request took seconds nationally (docs/benchmarks.md).

Any report counts, complete or not, and a classified one gives no numbers (its
clear body holds none): the same "latest report" as the rest of the console.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from sync.server.tables import Report, Task, TaskIndicator, table_of

_TABLE = table_of(TaskIndicator)
_DEFINED = (
    select(_TABLE.c.task_id, _TABLE.c.position, _TABLE.c.code)
    .where(_TABLE.c.task_id.in_(bindparam("ids", expanding=True)))
    .order_by(_TABLE.c.task_id, _TABLE.c.position)
)
# Only a newer report moves a value. The condition is re-checked on the row a
# concurrent push left (PostgreSQL re-reads it after the row lock), so two pushes
# for one task keep the newer report's value whichever commits first.
_RECORD = (
    update(_TABLE)
    .where(
        _TABLE.c.task_id == bindparam("t"),
        _TABLE.c.position == bindparam("p"),
        or_(
            _TABLE.c.value_at.is_(None),
            _TABLE.c.value_at < bindparam("at", type_=_TABLE.c.value_at.type),
            and_(
                _TABLE.c.value_at == bindparam("at", type_=_TABLE.c.value_at.type),
                _TABLE.c.value_report < bindparam("r"),
            ),
        ),
    )
    .values(
        value=bindparam("v", type_=_TABLE.c.value.type),
        value_at=bindparam("at", type_=_TABLE.c.value_at.type),
        value_report=bindparam("r"),
    )
)


def number(value: Any) -> float | None:
    """A reported value that counts: a number (``True`` is not 1 here)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def values_of(body: Any) -> Mapping[str, Any]:
    values = body.get("indicator_values") if isinstance(body, dict) else None
    return values if isinstance(values, dict) else {}


def rows_for(
    task_id: str,
    unit_code: str,
    indicators: Iterable[Mapping[str, Any]],
    newest: tuple[str, Any, Any] | None,
) -> list[dict[str, Any]]:
    """The rows of one task; ``newest``: its newest report's (id, received_at, body)."""
    values = values_of(newest[2]) if newest else {}
    rows = []
    for position, item in enumerate(indicators):
        code = str(item.get("code", ""))
        rows.append(
            {
                "task_id": task_id,
                "position": position,
                "unit_code": unit_code,
                "code": code,
                "measure": str(item.get("unit", "")),
                "name": str(item.get("name", "")),
                "target": number(item.get("target")),
                "value": number(values.get(code)),
                "value_at": newest[1] if newest else None,
                "value_report": newest[0] if newest else None,
            }
        )
    return rows


def newest_report(connection: Connection, task_id: str) -> tuple[str, Any, Any] | None:
    """The task's newest report (id, received_at, body): one index seek."""
    row = connection.execute(
        select(Report.id, Report.received_at, Report.body)
        .where(Report.task_id == task_id)
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1], row[2]) if row else None


def redefined(tasks: Sequence[Task]) -> list[Task]:
    """The tasks whose indicator list is new or was assigned since the last flush."""
    return [t for t in tasks if inspect(t).attrs.indicators.history.has_changes()]


def define(session: Session, tasks: Sequence[Task]) -> None:
    """Rewrite the rows of ``tasks`` (flushed) from their indicator lists, each value
    from the task's newest report."""
    if not tasks:
        return
    connection = session.connection()
    connection.execute(delete(_TABLE).where(_TABLE.c.task_id.in_(sorted(t.id for t in tasks))))
    rows: list[dict[str, Any]] = []
    for task in sorted(tasks, key=lambda t: t.id):
        if task.indicators:
            newest = newest_report(connection, task.id)
            rows += rows_for(task.id, task.unit_code, task.indicators, newest)
    if rows:
        connection.execute(insert(_TABLE), rows)


def record(session: Session, reports: Sequence[Mapping[str, Any]]) -> None:
    """Move the values of the tasks of newly stored reports (rows with ``id``,
    ``task_id``, ``received_at``, ``body``) to the newest of them."""
    newest: dict[str, Mapping[str, Any]] = {}
    for report in reports:
        best = newest.get(report["task_id"])
        if best is None or (report["received_at"], report["id"]) > (
            best["received_at"],
            best["id"],
        ):
            newest[report["task_id"]] = report
    if not newest:
        return
    connection = session.connection()
    changes = []
    for task_id, position, code in connection.execute(_DEFINED, {"ids": sorted(newest)}):
        report = newest[task_id]
        changes.append(
            {
                "t": task_id,
                "p": position,
                "v": number(values_of(report["body"]).get(code)),
                "at": report["received_at"],
                "r": report["id"],
            }
        )
    if changes:  # in (task, position) order, the order every writer locks them in
        connection.execute(_RECORD, changes)


def rebuild(connection: Connection) -> int:
    """Every task's rows from scratch, for data loaded around the ingest (a bulk
    load, a benchmark); returns how many rows."""
    connection.execute(delete(_TABLE))
    tasks = connection.execute(
        select(Task.id, Task.unit_code, Task.indicators).order_by(Task.id)
    ).all()
    rows: list[dict[str, Any]] = []
    for tid, unit_code, indicators in tasks:
        if indicators:
            rows += rows_for(tid, unit_code, indicators, newest_report(connection, tid))
    for start in range(0, len(rows), 1000):
        connection.execute(insert(_TABLE), rows[start : start + 1000])
    return len(rows)
