"""Child process for the native-crash test: the app's real start (``open_window``),
then either a segfault (``crash``) or a look at what the start showed (``look``)."""

from __future__ import annotations

import faulthandler
import os
import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from ui.app import open_window
from ui.options import WindowOptions


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home, mode = sys.argv[1], sys.argv[2]
    notice = sys.argv[3] if len(sys.argv) > 3 else None
    shell = open_window(WindowOptions(home=home, notice=notice))
    QApplication.processEvents()
    if mode == "crash":
        faulthandler._sigsegv()  # type: ignore[attr-defined]  # as a fault in Qt would
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            print(f"notice|{widget.windowTitle()}|{widget.text()}", flush=True)
    print(f"lock screen|{shell.screen.isVisible()}", flush=True)
    shell.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
