"""An index over the reports' folded words for the console's search: FTS5 (trigram)
on SQLite, ``pg_trgm`` on PostgreSQL (sync.server.words_index), filled from the
reports already stored.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from sync.server import words_index

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    words_index.install(op.get_bind())


def downgrade() -> None:
    words_index.uninstall(op.get_bind())
