"""A task's progress follows its newest complete report (by the device's report time)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server import tasks
from sync.server.tables import Report, Task


def apply(session: Session, counted: list[Report]) -> None:
    """Update the tasks of newly counted reports; changed tasks get new versions."""
    newest: dict[str, Report] = {}
    for report in counted:
        best = newest.get(report.task_id)
        if best is None or (report.created_at, report.id) > (best.created_at, best.id):
            newest[report.task_id] = report
    if not newest:
        return
    found = session.scalars(select(Task).where(Task.id.in_(sorted(newest))).order_by(Task.id))
    changed: list[Task] = []
    for task in found:
        report = newest[task.id]
        stale = task.progress_at is None or report.created_at > task.progress_at
        if task.completed_on is not None or not stale:
            continue  # a reviewer's "done" wins over any report
        task.progress_at = report.created_at
        if task.progress != report.progress:
            task.progress = report.progress
            changed.append(task)
    tasks.stamp(session, changed)
