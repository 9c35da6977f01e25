"""USB bundles: reports exported and awaiting a receipt; bundles written; review times.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08

The export marks are not content: a queued report stays queued (and immutable) when
it is written to a bundle, so a sync still sends it if a network appears first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): the table's triggers from 0002/0003 stay.
    op.add_column("report", sa.Column("exported_bundle", sa.String(), nullable=True))
    op.add_column("report", sa.Column("exported_at", sa.DateTime(), nullable=True))
    op.add_column("report", sa.Column("reviewed_at", sa.DateTime(), nullable=True))
    op.create_table(
        "exported_bundle",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("device_id", sa.String(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("attachments", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("receipt_at", sa.DateTime(), nullable=True),
    )
