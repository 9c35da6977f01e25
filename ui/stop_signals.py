"""Ctrl+C and SIGTERM close the app the way closing its window does.

Without this, Ctrl+C in the terminal does nothing while Qt's loop runs, and SIGTERM
kills the process mid-write, skipping what closing does (the open report saved,
sync stopped, a demo's server stopped). Python runs signal handlers only between
bytecodes and Qt's loop runs none, so a timer wakes the interpreter a few times a
second to let the handler run.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from PySide6.QtCore import QCoreApplication, QTimer

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
WAKE_MS = 200


@contextmanager
def quit_on_signals() -> Iterator[None]:
    """From before the first window is shown until the event loop ends: a stop
    signal ends the loop (every nested loop too). Needs the QApplication."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        # Queued, not called: a signal that comes while the first window is being
        # shown, before the loop runs, would otherwise be dropped (quit() does
        # nothing without a running loop) and the app would carry on.
        QTimer.singleShot(0, QCoreApplication.quit)

    previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    timer = QTimer()
    timer.timeout.connect(lambda: None)  # only to give Python a turn
    timer.start(WAKE_MS)
    try:
        yield
    finally:
        timer.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
