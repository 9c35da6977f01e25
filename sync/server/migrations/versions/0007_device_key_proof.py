"""Device keys with proof of possession: spent login challenges; one user per key.

Before this revision a login registered any public key it was sent, so a user could
register another user's key (seen, say, in a USB bundle's clear header) and pass
that user's signed reports off as their own. Logins now prove possession of the key
and a key belongs to the first user who registered it; registrations of a key by any
later user are removed here (each audited as ``device.unregister``), so the rule
holds for data from before as well. A device's own user loses nothing: their first
registration stays, and a profile whose key was removed makes a new one at its next
login.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from alembic import op

from sync.server.coltypes import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_device = sa.table(
    "device",
    sa.column("id", sa.Integer()),
    sa.column("device_id", sa.String()),
    sa.column("user_id", sa.Integer()),
    sa.column("public_key", sa.String()),
    sa.column("registered_at", UTCDateTime()),
)
_user = sa.table("user_account", sa.column("id", sa.Integer()), sa.column("username", sa.String()))
_audit = sa.table(
    "audit_event",
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("subject", sa.String()),
    sa.column("detail", sa.JSON()),
)


def _foreign_registrations(connection: sa.Connection) -> list[tuple[int, str, str, str]]:
    """Rows registering a key that another user registered first (the earliest
    registration, then the lowest row id, decides whose key it is)."""
    rows = connection.execute(
        sa.select(
            _device.c.id, _device.c.user_id, _device.c.public_key, _device.c.device_id
        ).order_by(_device.c.registered_at, _device.c.id)
    ).all()
    owner: dict[str, int] = {}
    names = dict(connection.execute(sa.select(_user.c.id, _user.c.username)).all())
    foreign: list[tuple[int, str, str, str]] = []
    for row_id, user_id, key, device_id in rows:
        if owner.setdefault(key, user_id) != user_id:
            foreign.append((row_id, names.get(user_id, ""), key, device_id))
    return foreign


def upgrade() -> None:
    op.create_table(
        "login_challenge",
        sa.Column("nonce_sha256", sa.String(64), primary_key=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_login_challenge_expires_at", "login_challenge", ["expires_at"])
    op.create_index("ix_device_public_key", "device", ["public_key"])

    connection = op.get_bind()
    foreign = _foreign_registrations(connection)
    if not foreign:
        return
    now = dt.datetime.now(dt.UTC)
    connection.execute(sa.delete(_device).where(_device.c.id.in_([row[0] for row in foreign])))
    connection.execute(
        sa.insert(_audit),
        [
            {"at": now, "actor": "migration 0007", "action": "device.unregister",
             "subject": device_id,
             "detail": {"user": username, "reason": "key_of_another_user",
                        "key": hashlib.sha256(key.encode("ascii")).hexdigest()[:16]}}
            for _row_id, username, key, device_id in foreign
        ],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_device_public_key", table_name="device")
    op.drop_index("ix_login_challenge_expires_at", table_name="login_challenge")
    op.drop_table("login_challenge")
