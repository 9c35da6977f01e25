"""When to sync, decided without Qt so the GUI and tests share one behaviour.

- A queued report or a connectivity hint asks for a sync *soon* (requests within
  the debounce window become one sync).
- While the server cannot be reached, a cheap probe (``GET /ping``) runs with
  capped, jittered backoff; when it answers, the sync runs at once. The OS saying
  "online" is only a hint: the server answering is the truth.
- Never two syncs at once: one worker thread runs them all.
- A login problem stops automatic syncing until someone asks again.

Listeners are called on the worker thread; the GUI marshals them to its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum, StrEnum

from sync.backoff import Backoff
from sync.engine import SyncSummary
from sync.transport import Failure

log = logging.getLogger(__name__)


class Connectivity(StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"  # our server answered last time
    OFFLINE = "offline"  # it did not: probing with backoff
    CAPTIVE_PORTAL = "captive_portal"  # something else answered: sign-in needed
    LOGIN_NEEDED = "login_needed"


@dataclass(frozen=True)
class SchedulerStatus:
    connectivity: Connectivity = Connectivity.UNKNOWN
    syncing: bool = False
    last_success_at: float | None = None  # time.time() of the last good sync
    last_summary: SyncSummary | None = None
    next_attempt_in_s: float | None = None


Listener = Callable[[SchedulerStatus], None]


class Action(Enum):
    """What the worker does next."""

    SYNC = "sync"
    PROBE = "probe"  # ask whether the server answers, before trying a sync again


_OFFLINE_LIKE = {
    Failure.OFFLINE: Connectivity.OFFLINE,
    Failure.NO_NETWORK: Connectivity.OFFLINE,
    Failure.SERVER: Connectivity.OFFLINE,
    Failure.CAPTIVE_PORTAL: Connectivity.CAPTIVE_PORTAL,
    Failure.TLS: Connectivity.OFFLINE,
}


class SyncScheduler:
    def __init__(
        self,
        run_sync: Callable[[], SyncSummary],
        probe: Callable[[], bool],
        *,
        listener: Listener | None = None,
        debounce_s: float = 2.0,
        periodic_s: float = 15 * 60,
        backoff: Backoff | None = None,
        enabled: bool = True,
        last_success_at: float | None = None,
    ) -> None:
        self._run_sync = run_sync
        self._probe = probe
        self._listener = listener or (lambda _status: None)
        self.debounce_s = debounce_s
        self.periodic_s = periodic_s
        self.backoff = backoff or Backoff(base_s=5.0, cap_s=300.0)
        self.enabled = enabled
        self._cond = threading.Condition()
        self._sync_due: float | None = None
        self._sync_forced = False  # the user asked: try even while offline
        self._probe_due: float | None = None
        self._probe_attempt = 0
        self._stopping = False
        self._status = SchedulerStatus(last_success_at=last_success_at)  # from an earlier run
        self._thread = threading.Thread(target=self._loop, name="dxdesk-sync", daemon=True)

    # -- what the app says ------------------------------------------------------------

    @property
    def status(self) -> SchedulerStatus:
        with self._cond:
            return self._status

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def request_sync(self, *, now: bool = False) -> None:
        """A report was queued (soon) or the user pressed Sync (``now``)."""
        with self._cond:
            if self._status.connectivity is Connectivity.LOGIN_NEEDED and not now:
                return  # automatic syncing waits for a login
            due = time.monotonic() + (0.0 if now else self.debounce_s)
            self._sync_due = min(self._sync_due, due) if self._sync_due is not None else due
            self._sync_forced |= now
            self._cond.notify_all()

    def connectivity_hint(self, online: bool) -> None:
        """The OS thinks the network changed; only a hint, so check with a probe."""
        with self._cond:
            if online and self._status.connectivity in (
                Connectivity.OFFLINE,
                Connectivity.CAPTIVE_PORTAL,
                Connectivity.UNKNOWN,
            ):
                self._probe_attempt = 0
                self._probe_due = time.monotonic()
                self._cond.notify_all()

    # -- the worker -----------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._cond:
                action = self._wait_for_work()
            if action is None:
                return
            if action is Action.PROBE:
                self._do_probe()
            else:
                self._do_sync()

    def _wait_for_work(self) -> Action | None:
        while not self._stopping:
            now = time.monotonic()
            dues = [d for d in (self._sync_due, self._probe_due) if d is not None]
            if self._sync_due is not None and self._sync_due <= now:
                forced, self._sync_forced = self._sync_forced, False
                self._sync_due = None
                offline = self._status.connectivity in _OFFLINE_LIKE.values()
                # While offline, the probe decides when to try again, unless asked.
                if forced or (self.enabled and not (offline and self._probe_due is not None)):
                    return Action.SYNC
            if self._probe_due is not None and self._probe_due <= now:
                self._probe_due = None
                return Action.PROBE
            self._cond.wait(timeout=(min(dues) - now) if dues else None)
        return None

    def _set(self, **changes: object) -> SchedulerStatus:
        with self._cond:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]
            status = self._status
        self._listener(status)
        return status

    def _do_probe(self) -> None:
        try:
            answered = self._probe()
        except Exception:  # a probe must never kill the scheduler
            log.exception("probe failed")
            answered = False
        if answered:
            self.request_sync(now=True)
            return
        with self._cond:
            self._probe_attempt += 1
            delay = self.backoff.delay(self._probe_attempt)
            self._probe_due = time.monotonic() + delay
        self._set(next_attempt_in_s=round(delay, 1))

    def _do_sync(self) -> None:
        self._set(syncing=True)
        try:
            summary = self._run_sync()
        except Exception:  # a bug in one sync must not stop the next
            log.exception("sync failed unexpectedly")
            summary = SyncSummary(failure=Failure.SERVER, message="unexpected error")
        if summary.failure is None:
            with self._cond:
                self._probe_attempt = 0
                self._probe_due = None
                if self.periodic_s and self._sync_due is None:
                    self._sync_due = time.monotonic() + self.periodic_s
            self._set(
                syncing=False,
                connectivity=Connectivity.ONLINE,
                last_success_at=time.time(),
                last_summary=summary,
                next_attempt_in_s=None,
            )
            return
        if summary.failure is Failure.AUTH:
            self._set(syncing=False, connectivity=Connectivity.LOGIN_NEEDED, last_summary=summary)
            return
        connectivity = _OFFLINE_LIKE.get(summary.failure, Connectivity.OFFLINE)
        with self._cond:
            self._probe_attempt += 1
            delay = self.backoff.delay(self._probe_attempt)
            self._probe_due = time.monotonic() + delay
        self._set(
            syncing=False,
            connectivity=connectivity,
            last_summary=summary,
            next_attempt_in_s=round(delay, 1),
        )
