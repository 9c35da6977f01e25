"""Indexes for the reviewers' console: the inbox newest first, a task's latest report.

The inbox pages reports by (received_at, id) from the newest; without an index every
page sorted the subtree's reports (a million of them nationally). The overview reads
each task's latest report (its indicator values) with one seek per task.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_report_received_id", "report", ["received_at", "id"])
    op.create_index("ix_report_task_received", "report", ["task_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_report_task_received", table_name="report")
    op.drop_index("ix_report_received_id", table_name="report")
