"""Small facts kept in the ``sync_state`` table (cursor, server clock offset…)."""

from __future__ import annotations

from sqlmodel import Session

from dxdesk.store.models import SyncState

SERVER_OFFSET = "server_clock_offset_seconds"
# When this user's last sync completed (seconds since the epoch): said after a restart.
LAST_SYNC = "last_sync_success_at"


def get(session: Session, key: str) -> str | None:
    row = session.get(SyncState, key)
    return row.value if row else None


def put(session: Session, key: str, value: str) -> None:
    """Caller commits, so the fact lands in the same transaction as what it describes."""
    row = session.get(SyncState, key) or SyncState(key=key, value=value)
    row.value = value
    session.add(row)


def delete(session: Session, key: str) -> None:
    row = session.get(SyncState, key)
    if row is not None:
        session.delete(row)


def server_offset(session: Session) -> float | None:
    raw = get(session, SERVER_OFFSET)
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def last_sync(session: Session) -> float | None:
    raw = get(session, LAST_SYNC)
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def note_sync(session: Session, when: float) -> None:
    """Caller commits."""
    put(session, LAST_SYNC, repr(when))
