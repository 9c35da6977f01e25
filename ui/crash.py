"""Unexpected exceptions: logged with their traceback, then shown in plain words.

Drafts are autosaved in the database, so after a crash (or a power cut) nothing
needs recovering from a file: the next start finds the drafts and the window's
banner offers to open them. A native crash, which no Python code outlives, is
recorded by ``ui.native_crash`` and told at the next start.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QThread
from PySide6.QtWidgets import QApplication

from ui.native_crash import NativeCrashLog

log = logging.getLogger(__name__)

Hook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


class CrashHandler:
    def __init__(
        self,
        log_file: Path,
        show: Callable[[str, str], None] | None = None,
        tell: Callable[[str, str], object] | None = None,
    ) -> None:
        self._log_file = log_file
        self._show = show or _message_box
        self._tell = tell or _notice
        self._previous: Hook = sys.excepthook
        self._native: NativeCrashLog | None = None
        self._earlier: str | None = None
        self.notice: object = None  # what told of the last run's crash (kept alive here)
        self.seen: list[BaseException] = []

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self.handle

    def uninstall(self) -> None:
        sys.excepthook = self._previous
        if self._native is not None:
            self._native.stop()
            self._native = None

    def watch_native(self) -> None:
        """Record a native crash of this run (the app's start only: it takes over
        the process' faulthandler); one in the last run is logged now."""
        self._native = NativeCrashLog(self._log_file.parent)
        self._earlier = self._native.start()

    def tell_native(self) -> None:
        """Tell the officer, once the first window shows, that the last run crashed."""
        earlier, self._earlier = self._earlier, None
        if earlier is None:
            return
        text = (
            QCoreApplication.translate(
                "crash",
                "dxdesk closed unexpectedly last time. Drafts are saved as you type; "
                "open them from the list of drafts to check the last words.",
            )
            + "\n\n"
            + QCoreApplication.translate("crash", "Details are in the log file: %1").replace(
                "%1", str(self._log_file)
            )
        )
        self.notice = self._tell(text, earlier[-4000:])

    def handle(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous(kind, error, tb)
            return
        log.critical("unexpected error", exc_info=(kind, error, tb))
        self.seen.append(error)
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            return  # only the GUI thread may show a dialog; the log has it
        text = (
            QCoreApplication.translate(
                "crash", "Something went wrong. Your drafts are saved; you can keep working."
            )
            + "\n\n"
            + QCoreApplication.translate("crash", "Details are in the log file: %1").replace(
                "%1", str(self._log_file)
            )
        )
        details = "".join(traceback.format_exception(kind, error, tb))[-4000:]
        self._show(text, details)


def _notice(text: str, details: str) -> object:
    """Said beside the first window, without stopping the start (not modal)."""
    from PySide6.QtCore import Qt  # noqa: PLC0415
    from PySide6.QtWidgets import QMessageBox  # noqa: PLC0415 (see _message_box)

    box = QMessageBox()
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(QCoreApplication.translate("crash", "dxdesk closed unexpectedly"))
    box.setText(text)
    box.setDetailedText(details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box


def _message_box(text: str, details: str) -> None:
    # Imported here, not at start: a class's first use builds its enums, and the
    # first window should not pay for a dialog it will likely never show.
    from PySide6.QtWidgets import QMessageBox  # noqa: PLC0415

    box = QMessageBox()
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("crash", "Unexpected error"))
    box.setText(text)
    box.setDetailedText(details)
    box.exec()
