"""Unexpected exceptions: logged with their traceback, then shown in plain words.

Drafts are autosaved in the database, so after a crash (or a power cut) nothing
needs recovering from a file: the next start finds the drafts and the window's
banner offers to open them.
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

log = logging.getLogger(__name__)

Hook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


class CrashHandler:
    def __init__(self, log_file: Path, show: Callable[[str, str], None] | None = None) -> None:
        self._log_file = log_file
        self._show = show or _message_box
        self._previous: Hook = sys.excepthook
        self.seen: list[BaseException] = []

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self.handle

    def uninstall(self) -> None:
        sys.excepthook = self._previous

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
