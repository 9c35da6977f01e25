"""Signed reports and sealed classified reports.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Reports queued before this revision keep their content and hash; they have no
signature yet and get one (with the profile's device key) just before they are
sent. The signature and device id are not content: the engine may sign a queued
report again with the profile's current registered key (the hash never changes).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): the table's triggers from 0002 stay in place.
    op.add_column("report", sa.Column("signature", sa.String(), nullable=True))
    op.add_column("report", sa.Column("device_id", sa.String(), nullable=True))
    op.add_column("report", sa.Column("sealed", sa.Text(), nullable=True))
    # The sealed payload is content (the hash covers it): as immutable as the rest.
    op.execute(
        """
        CREATE TRIGGER report_sealed_immutable
        BEFORE UPDATE OF sealed ON report
        WHEN OLD.state != 'draft'
        BEGIN
            SELECT RAISE(ABORT, 'report is finalized and immutable');
        END
        """
    )
    # 0002 refused edits of the audit trail; deleting lines must be refused too.
    op.execute(
        """
        CREATE TRIGGER audit_event_no_delete
        BEFORE DELETE ON audit_event
        BEGIN
            SELECT RAISE(ABORT, 'the audit trail is append-only');
        END
        """
    )
