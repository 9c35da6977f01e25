"""Classified attachments sent in the clear are stored sealed: ``blob_upload.sealed``.

A classified report's attachment bytes are sealed on the device (protocol 2, dxdesk
0.2); a dxdesk from before sends them in the clear, and the server now seals each
chunk of such an upload as it arrives (``sync.server.blobs``). The flag says which
uploads' chunks are sealed. Uploads stored before this revision keep their bytes as
they are (``false``): the migration has no access to the server's key file.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "blob_upload",
        sa.Column("sealed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("blob_upload", "sealed")
