"""The local audit trail: who did what on this device.

Events are added to the caller's session, so an action and its audit record are
committed together or not at all.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from dxdesk.store.models import AuditEvent


def record(
    session: Session, action: str, subject: str = "", actor: str = "", **detail: Any
) -> None:
    session.add(AuditEvent(action=action, subject=subject, actor=actor, detail=detail))


def recent(session: Session, limit: int = 100) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    return list(session.exec(query))
