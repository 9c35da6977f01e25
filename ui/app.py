"""Starting the desktop app: QApplication, translations, crash handler, window,
background sync. Everything is handed what it needs; nothing is global."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from dxdesk import credentials
from dxdesk.credentials import TokenStore
from dxdesk.profile import Profile
from ui.crash import CrashHandler
from ui.i18n import Translations
from ui.main_window import MainWindow
from ui.network_hint import watch_network
from ui.sync_controller import SyncController
from ui.tasks_runner import PoolRunner, Runner

log = logging.getLogger(__name__)


def application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(sys.argv[:1])
    app.setApplicationName("dxdesk")
    app.setOrganizationName("dxdesk")
    app.setApplicationDisplayName("dxdesk")
    return app


@dataclass
class Desktop:
    """The running app's parts, kept so they can be stopped in order."""

    app: QApplication
    window: MainWindow
    controller: SyncController
    translations: Translations
    crash: CrashHandler
    runner: Runner

    def close(self) -> None:
        self.controller.stop()
        if isinstance(self.runner, PoolRunner):
            self.runner.wait()
        self.crash.uninstall()
        self.translations.uninstall()


def build(
    profile: Profile,
    tokens: TokenStore | None = None,
    runner: Runner | None = None,
    *,
    crash: CrashHandler | None = None,
    start_sync: bool = True,
) -> Desktop:
    app = application()
    translations = Translations(app, profile.paths.cache)
    translations.use(profile.settings.language)
    handler = crash or CrashHandler(profile.paths.log_file)
    handler.install()
    store = tokens if tokens is not None else credentials.choose()
    chosen_runner: Runner = runner if runner is not None else PoolRunner()
    controller = SyncController(profile, store, chosen_runner)
    window = MainWindow(profile, controller, chosen_runner, translations, store.description)
    watch_network(controller)
    if start_sync:
        controller.start()
    return Desktop(app, window, controller, translations, handler, chosen_runner)


def run(profile: Profile, tokens: TokenStore | None = None) -> int:
    desktop = build(profile, tokens)
    desktop.window.show()
    log.info("window shown")
    try:
        return QCoreApplication.exec()
    finally:
        desktop.close()
