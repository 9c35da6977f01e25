"""Drops abandoned uploads (and duplicate copies of content) every few minutes.

A device that stops uploading half-way leaves bytes that no report can use; the
unit's quota counts them until they go. ``dxdesk-server expire-uploads`` does the
same on demand.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError

from dxdesk.clock import utcnow
from sync.server import blobs
from sync.server.db import Database

log = logging.getLogger(__name__)


class UploadSweeper:
    def __init__(
        self,
        db: Database,
        older_than: dt.timedelta,
        interval_s: float = 600.0,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = db
        self.older_than = older_than
        self.interval_s = interval_s
        self.clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="upload-sweeper", daemon=True)

    def run_once(self) -> blobs.Swept:
        with self.db.write() as session:
            return blobs.sweep(session, now=self.clock(), older_than=self.older_than)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.run_once()
            except DBAPIError:  # a lock timeout or a restarting database: next time
                log.warning("expiring abandoned uploads failed; retrying later", exc_info=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
