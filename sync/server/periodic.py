"""Work the server process does on a clock of its own, each job on its own thread."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)


class PeriodicJob:
    """Runs :meth:`run_once` every ``interval_s`` until stopped.

    A database error (a lock timeout, a restarting database) is logged and the job
    runs again at the next tick: nothing it does is lost by waiting."""

    name = "periodic job"
    run_at_stop = False  # once more at shutdown, so nothing is left waiting

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)

    def run_once(self) -> object:
        raise NotImplementedError

    def _run_logged(self) -> None:
        try:
            self.run_once()
        except DBAPIError:
            log.warning("%s failed; retrying at the next tick", self.name, exc_info=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._run_logged()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        if self.run_at_stop:
            self._run_logged()
