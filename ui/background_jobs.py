"""The one way ``ui`` runs work off the GUI thread.

A job is a plain callable run on a ``QThreadPool``; its result or exception comes
back on the GUI thread through a queued signal of a small relay object that lives
there, and is handed to a bound method the caller passed (never a lambda, so
nothing outlives the object it belongs to). Tests use :class:`InlineRunner`, which
does the same synchronously.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import shiboken6
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
        if _alive(self._done):
            self._done(result)

    @Slot(object)
    def _on_errored(self, error: BaseException) -> None:
        self._owner.forget(self)
        if _alive(self._failed):
            self._failed(error)


def _alive(answer: Callable[..., None]) -> bool:
    """False when the answer is a method of a widget Qt has deleted meanwhile (a pane
    of a window closed while its read ran): nobody is left to show it to."""
    receiver = getattr(answer, "__self__", None)
    return not isinstance(receiver, QObject) or shiboken6.isValid(receiver)


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


class _Step:
    """One job of a :class:`SerialRunner`: run once, answered once."""

    def __init__(self, owner: SerialRunner, job: Callable[[], Any], done: Done, failed: Failed):
        self._owner, self._job, self._done, self._failed = owner, job, done, failed
        self._ran = threading.Event()
        self._outcome: tuple[bool, Any] = (False, None)
        self._answered = False

    def execute(self) -> Any:
        """On whichever thread runs it; the outcome is also kept for :meth:`settle`."""
        try:
            result = self._job()
        except BaseException as exc:
            self._outcome = (False, exc)
            self._ran.set()
            raise
        self._outcome = (True, result)
        self._ran.set()
        return result

    def wait(self, timeout_s: float) -> bool:
        return self._ran.wait(timeout_s)

    def answer_kept(self) -> None:
        ok, value = self._outcome
        (self.succeeded if ok else self.errored)(value)

    def succeeded(self, result: Any) -> None:
        if not self._answered:
            self._answered = True
            self._owner.step_over(self)
            try:
                if _alive(self._done):
                    self._done(result)
            finally:  # an answer that raises (to the crash handler) stops no later job
                self._owner.start_next()

    def errored(self, error: BaseException) -> None:
        if not self._answered:
            self._answered = True
            self._owner.step_over(self)
            try:
                if _alive(self._failed):
                    self._failed(error)
            finally:
                self._owner.start_next()


class SerialRunner:
    """One owner's jobs (a report editor's saves, attachments, finalize), one after
    another in the order asked: a job starts only after the previous one's answer
    was handed over on the GUI thread, so a save and a finalize of the same draft
    never race, and each job may rely on what the earlier answers set.

    :meth:`settle` finishes everything before returning, on the calling thread where
    needed, for the moments when work must be done before going on (closing).
    """

    def __init__(self, runner: Runner) -> None:
        self._runner = runner
        self._waiting: deque[_Step] = deque()
        self._current: _Step | None = None
        self._inline = False

    def run(self, job: Callable[[], Any], done: Done, failed: Failed | None = None) -> None:
        self._waiting.append(_Step(self, job, done, failed or _log_failure))
        self.start_next()

    @property
    def busy(self) -> bool:
        return self._current is not None or bool(self._waiting)

    def step_over(self, step: _Step) -> None:
        if self._current is step:
            self._current = None

    def start_next(self) -> None:
        if self._current is not None or not self._waiting:
            return
        step = self._current = self._waiting.popleft()
        if self._inline:
            try:
                result = step.execute()
            except Exception as exc:
                step.errored(exc)
            else:
                step.succeeded(result)
        else:
            self._runner.run(step.execute, step.succeeded, step.errored)

    def settle(self, timeout_s: float = 60.0) -> bool:
        """Wait for the running job and hand over its answer now, then run the rest
        here, in order. False if the running job did not end within ``timeout_s``."""
        self._inline = True
        try:
            current = self._current
            if current is None:
                self.start_next()
            elif current.wait(timeout_s):
                current.answer_kept()  # its queued answer, arriving later, is ignored
            else:
                return False
        finally:
            self._inline = False
        return True
