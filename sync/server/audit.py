"""The server's audit trail: one row per action, in the same transaction as the action."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from dxdesk.clock import utcnow
from sync.server.tables import AuditEvent, table_of

# A Core insert, not an ORM object: every sync round records one.
_INSERT = insert(table_of(AuditEvent))


def record(session: Session, actor: str, action: str, subject: str = "", **detail: Any) -> None:
    row = {"at": utcnow(), "actor": actor, "action": action, "subject": subject, "detail": detail}
    session.connection().execute(_INSERT, row)
