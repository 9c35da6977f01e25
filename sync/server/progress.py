"""A task's progress follows its newest complete report, by the server's receipt time.

Not by the device's time: a device clock set ahead would pin a task's progress to
one report, and one set behind would make its new reports silently not count. The
device's time (kept for display) only orders reports received at the same instant.

A push that moves a task's progress does not take a change version itself: taking
one locks the change counter until the commit, which would let only one push
commit at a time (on PostgreSQL each waits for the disk in turn). It marks the
task ``progress_pending``; ``publish``, run every second by the server process
(``publisher.py``), gives all pending tasks their versions in one short
transaction, so devices see new progress within about a second.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from dxdesk.clock import utcnow
from sync.server import versions
from sync.server.tables import Task, table_of


class Counted(NamedTuple):
    """A report that now counts towards its task's progress."""

    id: str
    task_id: str
    received_at: dt.datetime  # as stored: the caller holds it, so it is not read back
    created_at: dt.datetime  # the device's claim: breaks ties in receipt time only
    progress: int


_TASK = table_of(Task)
# Built once: every sync round that brings complete reports runs these.
_CURRENT = (
    select(Task.id, Task.progress, Task.progress_at, Task.completed_on)
    .where(Task.id.in_(bindparam("ids", expanding=True)))
    .order_by(Task.id)
)
_MOVE = (
    update(_TASK)
    .where(_TASK.c.id == bindparam("task"))
    .values(
        progress=bindparam("progress", type_=_TASK.c.progress.type),
        progress_at=bindparam("progress_at", type_=_TASK.c.progress_at.type),
        # an earlier, unpublished change stays pending
        progress_pending=_TASK.c.progress_pending
        | bindparam("pending", type_=_TASK.c.progress_pending.type),
    )
)
# The publisher's, each second: plain statements, as the pushes' are. Loading every
# pending task as an ORM object to flip two columns cost ~10 % of a busy server's
# interpreter time (100 devices syncing each second; docs/benchmarks.md).
_PENDING = (
    select(_TASK.c.id)
    .where(_TASK.c.progress_pending.is_(True))
    .order_by(_TASK.c.id)
    .with_for_update()
)
_PUBLISH = (
    update(_TASK)
    .where(_TASK.c.id == bindparam("task"))
    .values(
        version=bindparam("stamp", type_=_TASK.c.version.type),
        updated_at=bindparam("now", type_=_TASK.c.updated_at.type),
        progress_pending=False,
    )
)


def apply(session: Session, counted: list[Counted]) -> None:
    """Update the tasks of newly counted reports; changed ones await ``publish``."""
    if not counted:
        return
    connection = session.connection()
    newest: dict[str, Counted] = {}
    for report in counted:
        best = newest.get(report.task_id)
        order = (report.received_at, report.created_at, report.id)
        if best is None or order > (best.received_at, best.created_at, best.id):
            newest[report.task_id] = report
    found = connection.execute(_CURRENT, {"ids": sorted(newest)})
    changes = []
    for task_id, old_progress, progress_at, completed_on in found:
        report = newest[task_id]
        at = report.received_at
        stale = progress_at is None or at > progress_at
        if completed_on is not None or not stale:
            continue  # a reviewer's "done" wins over any report
        changes.append(
            {
                "task": task_id,
                "progress": report.progress,
                "progress_at": at,
                "pending": old_progress != report.progress,
            }
        )
    if changes:
        # In id order, the order in which the publisher and pushes lock tasks (for
        # task ids, Python's order and the database collation's agree).
        connection.execute(_MOVE, sorted(changes, key=lambda change: str(change["task"])))


def publish(session: Session) -> int:
    """Give every task with pending progress a new version; returns how many."""
    connection = session.connection()
    # Every row locked at once, in id order, before any update: pushes lock their
    # tasks in that order too (see ingest._TASK_UNITS), so neither waits in a cycle.
    pending = list(connection.scalars(_PENDING))
    if not pending:
        return 0
    stamps = versions.allocate(session, len(pending))  # last lock: the counter's
    now = utcnow()
    rows = [
        {"task": task, "stamp": stamp, "now": now}
        for task, stamp in zip(pending, stamps, strict=True)
    ]
    connection.execute(_PUBLISH, rows)
    return len(pending)
