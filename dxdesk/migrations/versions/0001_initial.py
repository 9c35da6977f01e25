"""Initial store: units, tasks, reports, attachments, sync state.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit",
        sa.Column("code", sa.String(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_code", sa.String(), nullable=True),
        sa.Column("level", sa.String(), nullable=False),
    )
    op.create_index("ix_unit_parent_code", "unit", ["parent_code"])
    op.create_table(
        "task",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("doc_number", sa.Text(), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=True),
        sa.Column("doc_issuer", sa.Text(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("expected_output", sa.Text(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("server_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_task_code", "task", ["code"], unique=True)
    op.create_index("ix_task_unit_code", "task", ["unit_code"])
    op.create_index("ix_task_deadline", "task", ["deadline"])
    op.create_table(
        "report",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("task_id", sa.String(), sa.ForeignKey("task.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("status_claim", sa.String(16), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("difficulties", sa.Text(), nullable=False),
        sa.Column("proposals", sa.Text(), nullable=False),
        sa.Column("indicator_values", sa.JSON(), nullable=True),
        sa.Column("classification", sa.String(16), nullable=False),
        sa.Column("corrects_id", sa.String(), sa.ForeignKey("report.id"), nullable=True),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finalized_at", sa.DateTime(), nullable=True),
        sa.Column("content_sha256", sa.String(), nullable=True),
        sa.Column("state_changed_at", sa.DateTime(), nullable=False),
        sa.Column("reject_code", sa.String(), nullable=True),
        sa.Column("reject_message", sa.Text(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
    )
    op.create_index("ix_report_task_id", "report", ["task_id"])
    op.create_index("ix_report_state_created", "report", ["state", "created_at"])
    op.create_table(
        "attachment",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column(
            "report_id",
            sa.String(),
            sa.ForeignKey("report.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("mime_type", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_bytes", sa.Integer(), nullable=False),
    )
    op.create_index("ix_attachment_report_id", "attachment", ["report_id"])
    op.create_index("ix_attachment_sha256", "attachment", ["sha256"])
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )
