"""One user's desktop: the main window and its background sync, built for an open
profile, and taken down in order when the user locks or switches.

The QApplication, translator, crash handler and runner belong to the app
(``ui.shell``), which lends them; a desktop built on its own (tests, tools) installs
its own and removes them again. Its sync runs through the client session that
opened the profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QApplication

from dxdesk.profile import Profile
from sync.session import ClientSession
from ui.background_jobs import PoolRunner, Runner
from ui.crash import CrashHandler
from ui.i18n import Translations
from ui.main_window import MainWindow
from ui.network_hint import watch_network
from ui.qt_app import application
from ui.sync_controller import SyncController


@dataclass
class Desktop:
    app: QApplication
    window: MainWindow
    controller: SyncController
    translations: Translations
    crash: CrashHandler
    runner: Runner
    profile: Profile
    owns_app_parts: bool  # the translator and crash handler were installed for it

    def close(self) -> None:
        """Save what is open, stop syncing, and drop the window and its models. The
        profile stays open: whoever opened it closes it, after this."""
        self.window.release()
        self.controller.stop()
        if isinstance(self.runner, PoolRunner):
            self.runner.wait()  # no job still reading this user's store
        self.window.deleteLater()
        self.controller.deleteLater()
        if self.owns_app_parts:
            self.crash.uninstall()
            self.translations.uninstall()


def build(
    client: ClientSession,
    runner: Runner | None = None,
    *,
    app: QApplication | None = None,
    crash: CrashHandler | None = None,
    translations: Translations | None = None,
    start_sync: bool = True,
) -> Desktop:
    """The desktop of ``client``'s open profile, syncing through ``client``.
    ``translations`` given: the app's, already installed (so is ``crash`` then)."""
    profile = client.profile
    app = app if app is not None else application()
    owns = translations is None
    if translations is None:
        translations = Translations(app, profile.paths.cache)
        translations.use(profile.settings.language)
    handler = crash or CrashHandler(profile.paths.log_file)
    if owns:
        handler.install()
    chosen_runner: Runner = runner if runner is not None else PoolRunner()
    controller = SyncController(client, chosen_runner)
    window = MainWindow(profile, controller, chosen_runner, translations, client.tokens.description)
    watch_network(controller)
    if start_sync:
        controller.start()
    return Desktop(app, window, controller, translations, handler, chosen_runner, profile, owns)
