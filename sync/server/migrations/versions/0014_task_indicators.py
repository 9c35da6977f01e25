"""The console's overview at national scale: each task's indicators as rows beside
the value of the task's newest report (``task_indicator``, kept by
``sync.server.indicators``), filled for the tasks and reports already stored; and
indexes that answer the per-unit categories and the overdue list from the index.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync.server.coltypes import UTCDateTime
from sync.server.indicators import rows_for

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_index("ix_task_unit_state", "task", ["unit_code", "completed_on", "deadline"])
    op.create_index(
        "ix_task_open_deadline", "task", ["completed_on", "deadline", "code", "unit_code"]
    )
    indicator = op.create_table(
        "task_indicator",
        sa.Column("task_id", sa.String(64), sa.ForeignKey("task.id"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("measure", sa.String(100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("value_at", UTCDateTime(), nullable=True),
        sa.Column("value_report", sa.String(64), nullable=True),
    )
    assert indicator is not None
    op.create_index("ix_task_indicator_unit", "task_indicator", ["unit_code"])
    task = sa.table(
        "task",
        sa.column("id", sa.String),
        sa.column("unit_code", sa.String),
        sa.column("indicators", sa.JSON),
    )
    report = sa.table(
        "report",
        sa.column("id", sa.String),
        sa.column("task_id", sa.String),
        sa.column("received_at", UTCDateTime()),
        sa.column("body", sa.JSON),
    )
    connection = op.get_bind()
    after = ""
    while True:  # keyset batches of tasks; one index seek per task with indicators
        tasks = connection.execute(
            sa.select(task.c.id, task.c.unit_code, task.c.indicators)
            .where(task.c.id > after)
            .order_by(task.c.id)
            .limit(BATCH)
        ).all()
        if not tasks:
            return
        rows = []
        for tid, unit_code, indicators in tasks:
            if not indicators:
                continue
            newest = connection.execute(
                sa.select(report.c.id, report.c.received_at, report.c.body)
                .where(report.c.task_id == tid)
                .order_by(report.c.received_at.desc(), report.c.id.desc())
                .limit(1)
            ).first()
            rows += rows_for(tid, unit_code, indicators, tuple(newest) if newest else None)
        if rows:
            connection.execute(indicator.insert(), rows)
        after = tasks[-1].id


def downgrade() -> None:
    op.drop_index("ix_task_indicator_unit", table_name="task_indicator")
    op.drop_table("task_indicator")
    op.drop_index("ix_task_open_deadline", table_name="task")
    op.drop_index("ix_task_unit_state", table_name="task")
