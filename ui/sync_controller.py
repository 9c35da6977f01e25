"""Background sync for the window: the scheduler, the login, and their signals.

The sync engine and scheduler are Qt-free and run on the scheduler's own worker
thread; this object turns what they report into Qt signals, which Qt queues over
to the GUI thread because this object lives there. Login runs through the
window's runner. No server, no token, or an expired token never blocks local
work: the status only says that a login is needed.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal, Slot

from dxdesk.errors import DxdeskError
from sync.engine import SyncSummary
from sync.progress import Progress
from sync.scheduler import Connectivity, SchedulerStatus, SyncScheduler
from sync.session import ClientSession, LoginResult
from sync.transport import Failure, Transport, TransportError
from ui.background_jobs import Runner

log = logging.getLogger(__name__)


class SyncController(QObject):
    status_changed = Signal(object)  # SchedulerStatus, on the GUI thread
    sync_event = Signal(object)  # the engine's progress events (sync.progress)
    finished = Signal(object)  # SyncSummary of every sync that ran
    reported = Signal(object, bool)  # the same SyncSummary, and whether the user asked for it
    login_needed = Signal()  # a sync the user asked for needs a login
    login_done = Signal(object)  # LoginOut
    login_failed = Signal(object)  # the exception

    def __init__(self, session: ClientSession, runner: Runner, *, debounce_s: float = 2.0) -> None:
        super().__init__()
        profile = session.profile
        self._profile = profile
        self._session = session  # the one that opened the profile (ui.shell hands it over)
        self._runner = runner
        self._lock = threading.Lock()
        self._transport: Transport | None = None
        self._manual = False
        self._metered = False  # mobile data, per the system (when it can tell)
        # The last sync of an earlier run, until this run has one of its own.
        self.status = SchedulerStatus(last_success_at=self._session.last_sync())
        self.scheduler = SyncScheduler(
            self._run_sync,
            self._probe,
            listener=self._on_scheduler_status,
            debounce_s=debounce_s,
            enabled=profile.settings.auto_sync,
            last_success_at=self.status.last_success_at,
        )
        self.status_changed.connect(self._remember_status)

    # -- GUI thread --------------------------------------------------------------

    def start(self) -> None:
        self.scheduler.start()
        if self.configured and self.has_token():
            self.scheduler.request_sync()

    def stop(self) -> None:
        self.scheduler.stop(timeout=5.0)
        with self._lock:
            if self._transport is not None:
                self._transport.close()
        # A sync still running past that (a slow link) ends on the closed connection;
        # wait for it, so the store is never closed under it.
        self.scheduler.stop(timeout=30.0)

    @property
    def configured(self) -> bool:
        return self._session.configured

    def has_token(self) -> bool:
        return self._session.has_token()

    def sync_now(self) -> None:
        self._manual = True
        if not self.configured or not self.has_token():
            self.login_needed.emit()
            return
        self.scheduler.request_sync(now=True)

    def request_sync(self) -> None:
        """A report was queued: sync soon, if automatic syncing is on."""
        self.scheduler.request_sync()

    def connectivity_hint(self, online: bool) -> None:
        self.scheduler.connectivity_hint(online)

    def network_medium(self, *, metered: bool) -> None:
        """The system says the connection is mobile data (or otherwise metered)."""
        self._metered = metered
        self._apply_auto_sync()

    def _apply_auto_sync(self) -> None:
        settings = self._profile.settings
        self.scheduler.enabled = settings.auto_sync and not (settings.wifi_only and self._metered)

    def settings_changed(self) -> None:
        self._apply_auto_sync()
        with self._lock:
            if self._transport is not None:
                self._transport.close()
            self._transport = None

    def login(self, server_url: str, username: str, password: str) -> None:
        def job() -> LoginResult:  # on a pool thread: its own transport and session
            return self._session.login(username, password, server_url=server_url)

        self._runner.run(job, self._on_login_done, self._on_login_failed)

    @Slot(object)
    def _on_login_done(self, result: LoginResult) -> None:
        self.settings_changed()  # a fresh transport picks up the new token
        self.login_done.emit(result.out)
        self.sync_now()

    @Slot(object)
    def _on_login_failed(self, error: BaseException) -> None:
        self.login_failed.emit(error)

    @Slot(object)
    def _remember_status(self, status: SchedulerStatus) -> None:
        ended = self.status.syncing and not status.syncing  # not a probe's later news
        self.status = status
        if status.syncing:
            return
        if status.last_summary is not None:
            self.finished.emit(status.last_summary)
            if ended:
                self.reported.emit(status.last_summary, self._manual)
        if status.connectivity is Connectivity.LOGIN_NEEDED and self._manual:
            self.login_needed.emit()
        self._manual = False

    # -- scheduler thread -------------------------------------------------------

    def _on_scheduler_status(self, status: SchedulerStatus) -> None:
        self.status_changed.emit(status)  # queued to the GUI thread

    def _current_transport(self) -> Transport | None:
        with self._lock:
            if self._transport is None and self._session.configured:
                self._transport = self._session.transport()
            return self._transport

    def _probe(self) -> bool:
        try:
            transport = self._current_transport()
        except TransportError:
            return False
        return transport.ping() if transport is not None else False

    def _run_sync(self) -> SyncSummary:
        try:
            transport = self._current_transport()
        except (TransportError, DxdeskError) as exc:
            return SyncSummary(failure=Failure.CONFIG, message=str(exc))
        if transport is None:
            return SyncSummary(failure=Failure.CONFIG, message="no server")
        return self._session.sync(transport, notify=self._notify)

    def _notify(self, event: Progress) -> None:
        self.sync_event.emit(event)
