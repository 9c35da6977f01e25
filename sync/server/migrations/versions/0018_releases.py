"""Releases published for devices to update themselves over the sync channel.

``release`` holds each version's signed manifest, ``release_artifact`` its
installers, ``release_chunk`` their bytes. New tables only: existing data is
untouched.

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync.server.coltypes import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "release",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("manifest", sa.LargeBinary(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("channel", "version", name="uq_release_channel_version"),
    )
    op.create_table(
        "release_artifact",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "release_id",
            sa.Integer(),
            sa.ForeignKey("release.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.UniqueConstraint("release_id", "platform", name="uq_release_platform"),
    )
    op.create_index("ix_release_artifact_release_id", "release_artifact", ["release_id"])
    op.create_index("ix_release_artifact_sha256", "release_artifact", ["sha256"])
    op.create_table(
        "release_chunk",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("offset", sa.BigInteger(), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("release_chunk")
    op.drop_index("ix_release_artifact_sha256", "release_artifact")
    op.drop_index("ix_release_artifact_release_id", "release_artifact")
    op.drop_table("release_artifact")
    op.drop_table("release")
