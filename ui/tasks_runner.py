"""The one way ``ui`` runs work off the GUI thread.

A job is a plain callable run on a ``QThreadPool``; its result or exception comes
back on the GUI thread through a queued signal of a small relay object that lives
there, and is handed to a bound method the caller passed (never a lambda, so
nothing outlives the object it belongs to). Tests use :class:`InlineRunner`, which
does the same synchronously.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class Runner(Protocol):
    def run(self, job: Callable[[], Any], done: Done, failed: Failed | None = None) -> None: ...


def _log_failure(error: BaseException) -> None:
    log.error("background job failed", exc_info=error)


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues the call over."""

    finished = Signal(object)
    errored = Signal(object)

    def __init__(self, owner: PoolRunner, done: Done, failed: Failed) -> None:
        super().__init__()
        self._owner, self._done, self._failed = owner, done, failed
        self.finished.connect(self._on_finished)
        self.errored.connect(self._on_errored)

    @Slot(object)
    def _on_finished(self, result: Any) -> None:
        self._owner.forget(self)
        self._done(result)

    @Slot(object)
    def _on_errored(self, error: BaseException) -> None:
        self._owner.forget(self)
        self._failed(error)


class _Job(QRunnable):
    def __init__(self, job: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._job, self._relay = job, relay

    def run(self) -> None:
        try:
            result = self._job()
        except BaseException as exc:  # handed to the GUI thread, which decides
            self._relay.errored.emit(exc)
        else:
            self._relay.finished.emit(result)


class PoolRunner(QObject):
    def __init__(self, pool: QThreadPool | None = None) -> None:
        super().__init__()
        self._pool = pool or QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()  # alive until their answer is delivered

    def run(self, job: Callable[[], Any], done: Done, failed: Failed | None = None) -> None:
        relay = _Relay(self, done, failed or _log_failure)
        self._relays.add(relay)
        self._pool.start(_Job(job, relay))

    def forget(self, relay: _Relay) -> None:
        self._relays.discard(relay)
        relay.deleteLater()

    @property
    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self._pool.waitForDone(timeout_ms)


class InlineRunner:
    """Synchronous stand-in for tests: the answer arrives before ``run`` returns."""

    def run(self, job: Callable[[], Any], done: Done, failed: Failed | None = None) -> None:
        try:
            result = job()
        except Exception as exc:
            (failed or _log_failure)(exc)
        else:
            done(result)
