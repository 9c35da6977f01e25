"""Reports keep one index that starts with their task, not two: (task_id,
received_at), added for the console in 0011, answers every look-up by task that
0001's (task_id) did, including the foreign key's. Every stored report paid for
both (a B-tree insert each; about 20 µs of a report's ~170 µs on disk here).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_report_task_id", table_name="report")


def downgrade() -> None:
    op.create_index("ix_report_task_id", "report", ["task_id"])
