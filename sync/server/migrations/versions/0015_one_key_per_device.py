"""One current key per user and device: ``device.retired_at``.

Before this revision every login registered a new key beside the earlier ones, so a
device had as many keys as logins and every report was checked against each. Now a
key registered for a user and device retires the one before. Here, for data from
before, every key but the newest of its user and device is retired at the moment
its successor was registered; none is deleted (stored reports keep verifying).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import itertools

import sqlalchemy as sa
from alembic import op

from sync.server.coltypes import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_device = sa.table(
    "device",
    sa.column("id", sa.Integer()),
    sa.column("device_id", sa.String()),
    sa.column("user_id", sa.Integer()),
    sa.column("registered_at", UTCDateTime()),
    sa.column("retired_at", UTCDateTime()),
)


def upgrade() -> None:
    op.add_column("device", sa.Column("retired_at", UTCDateTime(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            _device.c.id, _device.c.user_id, _device.c.device_id, _device.c.registered_at
        ).order_by(_device.c.user_id, _device.c.device_id, _device.c.registered_at, _device.c.id)
    ).all()
    retire = [
        {"row": row.id, "at": successor.registered_at}
        for row, successor in itertools.pairwise(rows)
        if (row.user_id, row.device_id) == (successor.user_id, successor.device_id)
    ]
    if retire:
        connection.execute(
            sa.update(_device)
            .where(_device.c.id == sa.bindparam("row"))
            .values(retired_at=sa.bindparam("at")),
            retire,
        )


def downgrade() -> None:
    op.drop_column("device", "retired_at")
