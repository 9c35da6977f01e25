"""The numbers steering bodies ask for: tasks per official status category per unit,
overdue tasks, and units that have not reported lately. Judged by the server's date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dxdesk.clock import utcnow
from dxdesk.status import Category, categorise
from sync.server.tables import Report, Task, Unit


@dataclass(frozen=True)
class Stats:
    today: dt.date
    silent_days: int
    per_unit: dict[str, dict[str, int]]
    overdue: list[dict[str, Any]]
    silent_units: list[dict[str, Any]]
    unit_names: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "silent_days": self.silent_days,
            "categories": [c.value for c in Category],
            "per_unit": self.per_unit,
            "totals": {c.value: sum(u[c.value] for u in self.per_unit.values()) for c in Category},
            "overdue": self.overdue,
            "silent_units": self.silent_units,
        }


def compute(session: Session, today: dt.date, silent_days: int) -> Stats:
    names = {code: name for code, name in session.execute(select(Unit.code, Unit.name))}
    per_unit: dict[str, dict[str, int]] = {}
    overdue: list[dict[str, Any]] = []
    query = select(Task).where(Task.withdrawn_at.is_(None))  # withdrawn: no one's to do
    for task in session.scalars(query.order_by(Task.unit_code, Task.deadline, Task.code)):
        status = categorise(task.deadline, task.completed_on, today)
        counts = per_unit.setdefault(task.unit_code, {c.value: 0 for c in Category})
        counts[status.category.value] += 1
        if status.overdue:
            assert task.deadline is not None
            overdue.append(
                {
                    "code": task.code,
                    "title": task.title,
                    "unit_code": task.unit_code,
                    "deadline": task.deadline.isoformat(),
                    "days_overdue": -(status.days_left or 0),
                    "progress": task.progress,
                }
            )
    since = utcnow() - dt.timedelta(days=silent_days)
    latest_query = select(Report.unit_code, func.max(Report.received_at)).group_by(Report.unit_code)
    last = {code: at for code, at in session.execute(latest_query)}
    silent = []
    for code in sorted(per_unit):  # units that have tasks to report on
        latest = last.get(code)
        if latest is not None and latest.tzinfo is None:  # SQLite aggregate: naive UTC
            latest = latest.replace(tzinfo=dt.UTC)
        if latest is None or latest < since:
            silent.append(
                {
                    "unit_code": code,
                    "name": names.get(code, ""),
                    "last_report_at": latest.isoformat() if latest else None,
                }
            )
    return Stats(today, silent_days, per_unit, overdue, silent, names)
