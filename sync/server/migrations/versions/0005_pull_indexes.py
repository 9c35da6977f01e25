"""Indexes for the pull: a unit's task changes and reviews in version order.

Without them every sync round read all of the unit's reports (SQLite chose the
unit index, then sorted), so a round grew slower with every report the unit sent.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_task_unit_version", "task", ["unit_code", "version"])
    op.create_index("ix_report_unit_review", "report", ["unit_code", "review_version"])


def downgrade() -> None:
    op.drop_index("ix_report_unit_review", table_name="report")
    op.drop_index("ix_task_unit_version", table_name="task")
