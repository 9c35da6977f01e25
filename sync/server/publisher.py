"""Publishes pending task progress every second (see ``progress.publish``)."""

from __future__ import annotations

from sqlalchemy import exists, select

from sync.server import progress
from sync.server.db import Database
from sync.server.periodic import PeriodicJob
from sync.server.tables import Task


class ProgressPublisher(PeriodicJob):
    name = "progress-publisher"
    run_at_stop = True

    def __init__(self, db: Database, interval_s: float = 1.0) -> None:
        super().__init__(interval_s)
        self.db = db

    def run_once(self) -> int:
        with self.db.read() as session:  # the common case takes no write lock at all
            if not session.scalar(select(exists().where(Task.progress_pending.is_(True)))):
                return 0
        with self.db.write() as session:
            return progress.publish(session)
