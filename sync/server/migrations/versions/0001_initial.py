"""Initial server schema: units, users, tokens, tasks, reports, blobs, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

from sync.server.coltypes import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    info = op.create_table(
        "server_info",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    counter = op.create_table(
        "change_counter",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(info, [{"key": "epoch", "value": uuid.uuid4().hex}])
    op.bulk_insert(counter, [{"name": "change", "value": 0}])
    op.create_table(
        "unit",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_code", sa.String(64), sa.ForeignKey("unit.code"), nullable=True),
        sa.Column("level", sa.String(32), nullable=False),
    )
    op.create_index("ix_unit_parent_code", "unit", ["parent_code"])
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(150), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("unit_code", sa.String(64), sa.ForeignKey("unit.code"), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_user_account_unit_code", "user_account", ["unit_code"])
    op.create_table(
        "auth_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_auth_token_user_id", "auth_token", ["user_id"])
    op.create_table(
        "task",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("doc_number", sa.Text(), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=True),
        sa.Column("doc_issuer", sa.Text(), nullable=False),
        sa.Column("unit_code", sa.String(64), sa.ForeignKey("unit.code"), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("expected_output", sa.Text(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("progress_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_task_unit_code", "task", ["unit_code"])
    op.create_table(
        "blob",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "blob_chunk",
        sa.Column(
            "sha256",
            sa.String(64),
            sa.ForeignKey("blob.sha256", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("offset", sa.BigInteger(), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "report",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("task_id", sa.String(64), sa.ForeignKey("task.id"), nullable=False),
        sa.Column("unit_code", sa.String(64), sa.ForeignKey("unit.code"), nullable=False),
        sa.Column("submitted_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("status_claim", sa.String(16), nullable=False),
        sa.Column("classification", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("review_state", sa.String(16), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("review_version", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_report_task_id", "report", ["task_id"])
    op.create_index("ix_report_unit_received", "report", ["unit_code", "received_at"])
    op.create_index("ix_report_review_version", "report", ["review_version"], unique=True)
    op.create_table(
        "attachment",
        sa.Column(
            "report_id",
            sa.String(64),
            sa.ForeignKey("report.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blob.sha256"), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("mime_type", sa.String(127), nullable=False),
    )
    op.create_index("ix_attachment_sha256", "attachment", ["sha256"])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(150), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"])


def downgrade() -> None:
    for table in (
        "audit_event",
        "attachment",
        "report",
        "blob_chunk",
        "blob",
        "task",
        "auth_token",
        "user_account",
        "unit",
        "change_counter",
        "server_info",
    ):
        op.drop_table(table)
