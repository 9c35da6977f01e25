"""The one QApplication: made once, named, and shared by the lock screen and the desktop.

Apart from ``ui.app`` so that the desktop (built by the shell, which ``ui.app``
starts) can reach it without importing its own starter.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication


def application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # High-DPI: Qt 6 scales by the screen's exact factor (PassThrough) by default,
    # which is what 125 % and 150 % Windows screens need; nothing to set. (Touching
    # the Qt namespace here would build all of its enums before the first window.)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("dxdesk")
    app.setOrganizationName("dxdesk")
    app.setApplicationDisplayName("dxdesk")
    return app
