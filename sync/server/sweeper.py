"""Drops abandoned uploads (and duplicate copies of content) every few minutes.

A device that stops uploading half-way leaves bytes that no report can use; the
unit's quota counts them until they go. ``dxdesk-server expire-uploads`` does the
same on demand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from dxdesk.clock import utcnow
from sync.server import blobs
from sync.server.db import Database
from sync.server.periodic import PeriodicJob


class UploadSweeper(PeriodicJob):
    name = "upload-sweeper"

    def __init__(
        self,
        db: Database,
        older_than: dt.timedelta,
        interval_s: float = 600.0,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        super().__init__(interval_s)
        self.db = db
        self.older_than = older_than
        self.clock = clock

    def run_once(self) -> blobs.Swept:
        with self.db.write() as session:
            return blobs.sweep(session, now=self.clock(), older_than=self.older_than)
