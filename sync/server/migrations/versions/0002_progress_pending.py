"""Progress changes are published by a background step, not by each push.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(
            sa.Column("progress_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_task_progress_pending", ["progress_pending"])
