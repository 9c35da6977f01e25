"""Tasks the server withdrew or moved away: hidden, never deleted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Reports reference their task, and a withdrawn task's drafts, queued and returned
reports stay on the device (queued ones are still sent): so the row stays, marked.
``refresh_mark`` names the full refresh that last listed the task; at the end of a
full refresh, tasks it did not list are hidden as well.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("task", sa.Column("removed_at", sa.DateTime(), nullable=True))
    op.add_column("task", sa.Column("removed_why", sa.String(16), nullable=True))
    op.add_column("task", sa.Column("removed_reason", sa.Text(), nullable=True))
    op.add_column("task", sa.Column("refresh_mark", sa.String(), nullable=True))
