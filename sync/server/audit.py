"""The server's audit trail: one row per action, in the same transaction as the action."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dxdesk.clock import utcnow
from sync.server.tables import AuditEvent


def record(session: Session, actor: str, action: str, subject: str = "", **detail: Any) -> None:
    session.add(AuditEvent(at=utcnow(), actor=actor, action=action, subject=subject, detail=detail))
