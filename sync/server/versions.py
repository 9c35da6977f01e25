"""Change versions and the downstream cursor.

Every row that must reach devices (a task, a review) carries a version taken from
the one ``change_counter`` row, with ``UPDATE … SET value = value + n``. That UPDATE
locks the row until the transaction ends (PostgreSQL row lock; SQLite's database
write lock), so a second writer waits and its versions are larger *and* become
visible later: committed versions are always a prefix of the allocated ones, minus
gaps left by rollbacks. Sequences give no such guarantee (a transaction holding
version 7 can commit after one holding 8, and a reader that saw 8 would skip 7).

Writers allocate versions as late as they can, so the counter lock is held briefly,
and always in one order: blob and report row locks first, then the counter, then
the task rows that receive the versions. A deadlock or unique-key race that slips
through anyway is retried by ``routes.deps.write``.

A reader first reads the counter (``high``) and then only rows with
``version <= high``: every such version is already committed, so a later statement
sees them all, even under PostgreSQL's READ COMMITTED.

The cursor is opaque to clients: ``base64url("1:" epoch ":" scope ":" version)``.
``epoch`` is random per database and ``scope`` fingerprints the user's visibility,
so a cursor from another database, a restored backup or a user moved to another
unit is unservable and answered with a full refresh.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync.server.tables import ChangeCounter, ServerInfo

COUNTER = "change"


def allocate(session: Session, count: int = 1) -> list[int]:
    """``count`` new versions, ascending. Call it last in the transaction."""
    session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.name == COUNTER)
        .values(value=ChangeCounter.value + count)
    )
    high = session.scalar(select(ChangeCounter.value).where(ChangeCounter.name == COUNTER))
    assert high is not None  # inserted by the first migration
    return list(range(high - count + 1, high + 1))


# Built once: every sync round reads both.
_CURRENT = select(ChangeCounter.value).where(ChangeCounter.name == COUNTER)
_EPOCH = select(ServerInfo.value).where(ServerInfo.key == "epoch")


def current(session: Session) -> int:
    value = session.connection().scalar(_CURRENT)
    assert value is not None
    return int(value)


def epoch(session: Session) -> str:
    value = session.connection().scalar(_EPOCH)
    assert value is not None
    return str(value)


def scope_key(role: str, unit_code: str) -> str:
    return hashlib.sha256(f"{role}\x00{unit_code}".encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Cursor:
    epoch: str
    scope: str
    version: int

    def encode(self) -> str:
        raw = f"1:{self.epoch}:{self.scope}:{self.version}".encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        """None when the text is not a cursor of ours."""
        try:
            padded = text + "=" * (-len(text) % 4)
            raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        except (UnicodeError, binascii.Error, ValueError):
            return None
        parts = raw.split(":")
        if len(parts) != 4 or parts[0] != "1" or not parts[3].isdigit():
            return None
        return cls(parts[1], parts[2], int(parts[3]))
