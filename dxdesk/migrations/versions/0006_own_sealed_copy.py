"""A classified report keeps its words and originals for its author's correction.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01

Sealing empties a classified report's word columns and replaces its attachments by
their sealed bytes; ``own_copy`` keeps what was sealed (words, file names, the
originals' hashes), encrypted with a key derived from this user's data key
(dxdesk.own_copy), so a correction starts filled in. Reports sealed before this
revision have none: their correction starts empty, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): the table's triggers from 0002–0004 stay.
    op.add_column("report", sa.Column("own_copy", sa.Text(), nullable=True))
    # Written with the seal, at finalize: as immutable as the sealed payload.
    op.execute(
        """
        CREATE TRIGGER report_own_copy_immutable
        BEFORE UPDATE OF own_copy ON report
        WHEN OLD.state != 'draft'
        BEGIN
            SELECT RAISE(ABORT, 'report is finalized and immutable');
        END
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS report_own_copy_immutable")
    op.drop_column("report", "own_copy")
