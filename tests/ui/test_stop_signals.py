"""A stop signal ends the app even when it comes before the event loop runs."""

from __future__ import annotations

import os
import signal

from PySide6.QtCore import QCoreApplication, QTimer
from pytestqt.qtbot import QtBot

from ui.stop_signals import quit_on_signals

NOT_STOPPED = 7


def test_a_sigterm_while_the_first_window_is_shown_still_ends_the_loop(qtbot: QtBot) -> None:
    app = QCoreApplication.instance()
    assert app is not None
    # Only a way out if the signal were lost, so the test fails instead of hanging.
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(lambda: QCoreApplication.exit(NOT_STOPPED))
    before = signal.getsignal(signal.SIGTERM)
    with quit_on_signals():
        os.kill(os.getpid(), signal.SIGTERM)  # handled before the loop below runs
        guard.start(30_000)
        code = QCoreApplication.exec()
    guard.stop()
    assert code == 0
    assert signal.getsignal(signal.SIGTERM) == before  # the previous handler is back
