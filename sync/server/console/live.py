"""What open pages poll to learn that something changed: one cheap token per
process, recomputed at most once a second however many pages ask, so the load
does not grow with the number of open pages."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import func, select

from sync.server.db import Database
from sync.server.tables import Report

MIN_INTERVAL_S = 1.0


class ChangeToken:
    def __init__(self, db: Database, clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._clock = clock
        self._lock = threading.Lock()
        self._value = ""
        self._at: float | None = None

    def current(self) -> str:
        with self._lock:
            now = self._clock()
            if self._at is None or now - self._at >= MIN_INTERVAL_S:
                self._value = self._read()
                self._at = now
            return self._value

    def _read(self) -> str:
        # Both are index lookups: the newest arrival and the newest review.
        with self._db.read() as session:
            received = session.scalar(select(func.max(Report.received_at)))
            reviewed = session.scalar(select(func.max(Report.review_version)))
        return f"{received.isoformat() if received else '-'}/{reviewed or 0}"
