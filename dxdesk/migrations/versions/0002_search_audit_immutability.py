"""Folded search key for tasks, audit trail, immutable finalized reports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dxdesk.text import fold

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# Columns that make up a report's content. Once a report leaves the draft state
# these may never change again, whatever code (or a hand-run SQL shell) tries.
CONTENT_COLUMNS = (
    "task_id, progress, status_claim, results, difficulties, proposals, "
    "indicator_values, classification, corrects_id, author, created_at, "
    "finalized_at, content_sha256"
)


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("search_key", sa.String(), nullable=False, server_default=""))
        batch.create_index("ix_task_search_key", ["search_key"])

    conn = op.get_bind()
    tasks = conn.execute(sa.text("SELECT id, code, title, description, doc_number FROM task")).all()
    for task_id, code, title, description, doc_number in tasks:
        key = fold(" ".join((code, title, description, doc_number)))
        conn.execute(
            sa.text("UPDATE task SET search_key = :key WHERE id = :id"),
            {"key": key, "id": task_id},
        )

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.execute(
        f"""
        CREATE TRIGGER report_content_immutable
        BEFORE UPDATE OF {CONTENT_COLUMNS} ON report
        WHEN OLD.state != 'draft'
        BEGIN
            SELECT RAISE(ABORT, 'report is finalized and immutable');
        END
        """
    )
    op.execute(
        """
        CREATE TRIGGER report_no_return_to_draft
        BEFORE UPDATE OF state ON report
        WHEN OLD.state != 'draft' AND NEW.state = 'draft'
        BEGIN
            SELECT RAISE(ABORT, 'a finalized report cannot become a draft again');
        END
        """
    )
    op.execute(
        """
        CREATE TRIGGER report_finalized_not_deleted
        BEFORE DELETE ON report
        WHEN OLD.state != 'draft'
        BEGIN
            SELECT RAISE(ABORT, 'a finalized report cannot be deleted');
        END
        """
    )
    op.execute(
        """
        CREATE TRIGGER attachment_of_final_report_immutable
        BEFORE DELETE ON attachment
        WHEN (SELECT state FROM report WHERE id = OLD.report_id) != 'draft'
        BEGIN
            SELECT RAISE(ABORT, 'attachments of a finalized report cannot be removed');
        END
        """
    )
    op.execute(
        """
        CREATE TRIGGER audit_event_append_only
        BEFORE UPDATE ON audit_event
        BEGIN
            SELECT RAISE(ABORT, 'the audit trail is append-only');
        END
        """
    )
