"""The SQLite settings both ends use: survive power cuts, wait for locks, keep FKs.

No driver imported here: the server passes the stdlib's ``sqlite3`` connections,
the client SQLCipher's (``sqlcipher3``), and the installer carries only the latter.
"""

from __future__ import annotations

from typing import Any, Protocol


class Connection(Protocol):
    """A DB-API connection of the ``sqlite3`` family."""

    def cursor(self) -> Any: ...

    def execute(self, sql: str, /) -> Any: ...


def make_durable(connection: Connection, busy_timeout_ms: int) -> None:
    """WAL with ``synchronous=FULL``: a committed transaction survives a power cut."""
    cursor = connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()
