"""Uploads belong to their uploader, and a verified upload is its proof of possession.

Before, a blob was one shared upload per content address: any unit that declared a
hash could reset another's upload in progress, and a report counted as soon as
*anyone* had uploaded the content (an oracle for what other units hold). Now each
user uploads into their own ``blob_upload`` row; ``upload_chunk`` holds its bytes.

Existing data: every verified content is kept, its bytes moved to an upload with no
owner; the users the audit trail names as having completed it (``blob.complete``)
keep their possession. Partial uploads had no owner and are dropped: devices keep
their attachments until sent and start those uploads again from 0.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync.server.coltypes import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_blob = sa.table(
    "blob",
    sa.column("sha256", sa.String),
    sa.column("size", sa.BigInteger),
    sa.column("received", sa.BigInteger),
    sa.column("complete", sa.Boolean),
    sa.column("updated_at", UTCDateTime),
)
_chunk = sa.table(
    "blob_chunk",
    sa.column("sha256", sa.String),
    sa.column("offset", sa.BigInteger),
    sa.column("data", sa.LargeBinary),
)
_upload = sa.table(
    "blob_upload",
    sa.column("id", sa.Integer),
    sa.column("sha256", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("unit_code", sa.String),
    sa.column("size", sa.BigInteger),
    sa.column("received", sa.BigInteger),
    sa.column("complete", sa.Boolean),
    sa.column("created_at", UTCDateTime),
    sa.column("updated_at", UTCDateTime),
)
_upload_chunk = sa.table(
    "upload_chunk",
    sa.column("upload_id", sa.Integer),
    sa.column("offset", sa.BigInteger),
    sa.column("data", sa.LargeBinary),
)
_audit = sa.table(
    "audit_event",
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("subject", sa.String),
)
_user = sa.table(
    "user_account",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("unit_code", sa.String),
)
_COLUMNS = ["sha256", "user_id", "unit_code", "size", "received", "complete", "created_at",
            "updated_at"]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "blob_upload",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blob.sha256"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("unit_code", sa.String(64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "sha256", name="uq_blob_upload_user_sha"),
    )
    op.create_index("ix_blob_upload_unit", "blob_upload", ["unit_code", "complete"])
    op.create_index("ix_blob_upload_sha", "blob_upload", ["sha256"])
    op.create_table(
        "upload_chunk",
        sa.Column(
            "upload_id",
            sa.Integer(),
            sa.ForeignKey("blob_upload.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("offset", sa.BigInteger(), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    verified = _blob.c.complete.is_(sa.true())
    # The content, kept in an upload with no owner (the first upload of its hash).
    op.execute(
        _upload.insert().from_select(
            _COLUMNS,
            sa.select(
                _blob.c.sha256, sa.null(), sa.null(), _blob.c.size, _blob.c.size, sa.true(),
                _blob.c.updated_at, _blob.c.updated_at,
            ).where(verified),
        )
    )  # fmt: skip
    op.execute(
        _upload_chunk.insert().from_select(
            ["upload_id", "offset", "data"],
            sa.select(_upload.c.id, _chunk.c.offset, _chunk.c.data).join(
                _upload, sa.and_(_upload.c.sha256 == _chunk.c.sha256, _upload.c.user_id.is_(None))
            ),
        )
    )
    # Who uploaded it (or delivered it in a bundle) still holds it; others must prove it.
    holders = (
        sa.select(
            _blob.c.sha256,
            _user.c.id.label("user_id"),
            _user.c.unit_code,
            _blob.c.size,
            _blob.c.updated_at,
        )
        .select_from(_audit)
        .join(_user, _user.c.username == _audit.c.actor)
        .join(_blob, _blob.c.sha256 == _audit.c.subject)
        .where(_audit.c.action == "blob.complete", verified)
        .distinct()
        .subquery()
    )
    op.execute(
        _upload.insert().from_select(
            _COLUMNS,
            sa.select(
                holders.c.sha256, holders.c.user_id, holders.c.unit_code, holders.c.size,
                holders.c.size, sa.true(), holders.c.updated_at, holders.c.updated_at,
            ),
        )
    )  # fmt: skip
    op.drop_table("blob_chunk")
    # Native on PostgreSQL and on SQLite >= 3.35: no table rebuild under foreign keys.
    op.drop_column("blob", "received")


def downgrade() -> None:
    op.add_column(
        "blob", sa.Column("received", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.execute(_blob.update().where(_blob.c.complete.is_(sa.true())).values(received=_blob.c.size))
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
    # One copy per content: the oldest complete upload that still has its bytes.
    first = (
        sa.select(sa.func.min(_upload.c.id).label("id"))
        .where(
            _upload.c.complete.is_(sa.true()),
            sa.exists().where(_upload_chunk.c.upload_id == _upload.c.id),
        )
        .group_by(_upload.c.sha256)
        .subquery()
    )
    op.execute(
        _chunk.insert().from_select(
            ["sha256", "offset", "data"],
            sa.select(_upload.c.sha256, _upload_chunk.c.offset, _upload_chunk.c.data)
            .join(_upload, _upload.c.id == _upload_chunk.c.upload_id)
            .join(first, first.c.id == _upload.c.id),
        )
    )
    op.drop_table("upload_chunk")
    op.drop_table("blob_upload")
