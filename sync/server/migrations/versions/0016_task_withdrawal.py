"""Tasks withdrawn (thu hồi) or moved to another unit: ``task.withdrawn_*`` and
``task_departure``.

A withdrawn task keeps its row (reports reference it) and is flagged; a move leaves a
departure row with its own change version under the unit the task left, so that
unit's devices learn to drop it even after many later moves.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync.server.coltypes import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("task", sa.Column("withdrawn_at", UTCDateTime(), nullable=True))
    op.add_column("task", sa.Column("withdrawn_reason", sa.Text(), nullable=True))
    op.add_column("task", sa.Column("withdrawn_by", sa.String(150), nullable=True))
    op.create_table(
        "task_departure",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.String(64), sa.ForeignKey("task.id"), nullable=False),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("moved_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_task_departure_unit_version", "task_departure", ["unit_code", "version"])
    # The console's overview counts and lists only tasks still anyone's to do, and
    # reads them from these indexes alone (0014): they carry ``withdrawn_at`` now.
    _overview_indexes(withdrawn=True)


def _overview_indexes(*, withdrawn: bool) -> None:
    extra = ["withdrawn_at"] if withdrawn else []
    op.drop_index("ix_task_unit_state", table_name="task")
    op.drop_index("ix_task_open_deadline", table_name="task")
    op.create_index("ix_task_unit_state", "task", ["unit_code", "completed_on", "deadline", *extra])
    op.create_index(
        "ix_task_open_deadline", "task", ["completed_on", "deadline", "code", "unit_code", *extra]
    )


def downgrade() -> None:
    _overview_indexes(withdrawn=False)
    op.drop_index("ix_task_departure_unit_version", table_name="task_departure")
    op.drop_table("task_departure")
    op.drop_column("task", "withdrawn_by")
    op.drop_column("task", "withdrawn_reason")
    op.drop_column("task", "withdrawn_at")
