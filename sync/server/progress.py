"""A task's progress follows its newest complete report (by the device's report time).

A push that moves a task's progress does not take a change version itself: taking
one locks the change counter until the commit, which would let only one push
commit at a time (on PostgreSQL each waits for the disk in turn). It marks the
task ``progress_pending``; ``publish``, run every second by the server process
(``publisher.py``), gives all pending tasks their versions in one short
transaction, so devices see new progress within about a second.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server import tasks
from sync.server.tables import Report, Task


def apply(session: Session, counted: list[Report]) -> None:
    """Update the tasks of newly counted reports; changed ones await ``publish``."""
    newest: dict[str, Report] = {}
    for report in counted:
        best = newest.get(report.task_id)
        if best is None or (report.created_at, report.id) > (best.created_at, best.id):
            newest[report.task_id] = report
    if not newest:
        return
    found = session.scalars(select(Task).where(Task.id.in_(sorted(newest))).order_by(Task.id))
    for task in found:
        report = newest[task.id]
        stale = task.progress_at is None or report.created_at > task.progress_at
        if task.completed_on is not None or not stale:
            continue  # a reviewer's "done" wins over any report
        task.progress_at = report.created_at
        if task.progress != report.progress:
            task.progress = report.progress
            task.progress_pending = True
    session.flush()


def publish(session: Session) -> int:
    """Give every task with pending progress a new version; returns how many."""
    pending = list(
        session.scalars(select(Task).where(Task.progress_pending.is_(True)).order_by(Task.id))
    )
    for task in pending:
        task.progress_pending = False
    tasks.stamp(session, pending)  # last: it takes the counter lock (see versions.py)
    return len(pending)
