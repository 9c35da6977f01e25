"""A task's progress_at becomes the server's receipt time of the report that set it.

It held the device's time, by which progress was ordered: a report dated in the
far future pinned its task. Progress now follows receipt time (sync.server.progress);
each task that has progress takes the newest receipt among its complete reports,
so any report received from now on counts, and a pinned task is freed. The
progress values themselves do not change.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    task = sa.table("task", sa.column("id"), sa.column("progress_at"))
    report = sa.table(
        "report",
        sa.column("task_id"),
        sa.column("received_at"),
        sa.column("complete", sa.Boolean()),
    )
    newest = (
        sa.select(sa.func.max(report.c.received_at))
        .where(report.c.task_id == task.c.id, report.c.complete.is_(True))
        .scalar_subquery()
    )
    op.execute(task.update().where(task.c.progress_at.is_not(None)).values(progress_at=newest))


def downgrade() -> None:
    pass  # receipt times are valid progress_at values for the older code too
