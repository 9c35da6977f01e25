"""Publishes pending task progress every second (see ``progress.publish``)."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import exists, select
from sqlalchemy.exc import DBAPIError

from sync.server import progress
from sync.server.db import Database
from sync.server.tables import Task

log = logging.getLogger(__name__)


class ProgressPublisher:
    def __init__(self, db: Database, interval_s: float = 1.0) -> None:
        self.db = db
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="progress-publisher", daemon=True)

    def run_once(self) -> int:
        with self.db.read() as session:  # the common case takes no write lock at all
            if not session.scalar(select(exists().where(Task.progress_pending.is_(True)))):
                return 0
        with self.db.write() as session:
            return progress.publish(session)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.run_once()
            except DBAPIError:  # a lock timeout or a restarting database: next tick
                log.warning("publishing progress failed; retrying", exc_info=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        try:
            self.run_once()  # nothing pending is left behind at shutdown
        except DBAPIError:
            log.warning("final progress publish failed", exc_info=True)
