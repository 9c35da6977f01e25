"""The SQLite settings both ends use: survive power cuts, wait for locks, keep FKs.

Only ``sqlite3``: the server uses it too without the client's store.
"""

from __future__ import annotations

import sqlite3


def make_durable(connection: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """WAL with ``synchronous=FULL``: a committed transaction survives a power cut."""
    cursor = connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()
