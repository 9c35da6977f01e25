"""Starting the desktop app: QApplication, translations, crash handler, then the
lock screen (``ui.shell``), whose user's desktop follows once unlocked.

Only what the first window needs is imported here. The store, the server client,
the sync engine and the main window's modules load after it is on screen.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from dxdesk import logsetup
from dxdesk import settings as settings_module
from dxdesk.errors import DxdeskError
from dxdesk.messages import DEFAULT_LANGUAGE
from dxdesk.paths import Paths
from dxdesk.settings import Settings
from ui.background_jobs import PoolRunner
from ui.crash import CrashHandler
from ui.i18n import Translations
from ui.options import WindowOptions
from ui.qt_app import application
from ui.shell import Shell
from ui.stop_signals import quit_on_signals
from ui.token_access import Tokens

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ui.lock.unlocking import UserSession

# application: the tests take it from here too.
__all__ = ["application", "open_window", "run", "startup_settings"]

log = logging.getLogger(__name__)


def startup_settings(paths: Paths) -> Settings:
    paths.ensure()
    if paths.settings_file.exists():
        return settings_module.load(paths.settings_file)
    # The very first start applies a baked-in site profile; that path goes through
    # the profile module (and the store's imports), once in the life of the PC.
    from dxdesk.first_start import load_settings  # noqa: PLC0415

    return load_settings(paths)


def open_window(options: WindowOptions, opened: UserSession | None = None) -> Shell:
    """Build the app and show its first window; the caller runs the event loop.
    ``opened``: a profile already open (the demo), shown without the lock screen."""
    paths = Paths.resolve(options.home)
    settings = opened.profile.settings if opened is not None else startup_settings(paths)
    logsetup.configure(paths.log_file, verbose=options.verbose)
    app = application()
    translations = Translations(app, paths.cache)
    translations.use(options.language or settings.language)
    crash = CrashHandler(paths.log_file)
    crash.install()
    crash.watch_native()
    tokens = Tokens(opened.client.tokens if opened is not None else None)
    shell = Shell(app, paths, settings, tokens=tokens, runner=PoolRunner(),
                  translations=translations, crash=crash)  # fmt: skip
    shell.start(options.user, opened)
    crash.tell_native()  # after the first window, so it shows above it
    if options.notice:
        _tell(options.notice, shell.screen)
    return shell


def _tell(text: str, window: QWidget) -> None:
    """Said beside the first window, without stopping the start (not modal); the
    window owns it."""
    from PySide6.QtCore import Qt  # noqa: PLC0415 (its namespace: ~25 ms, see ui.i18n)
    from PySide6.QtWidgets import QMessageBox  # noqa: PLC0415 (only when there is one)

    box = QMessageBox(QMessageBox.Icon.Information, "dxdesk", text, parent=window)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()


def run(options: WindowOptions, opened: UserSession | None = None) -> int:
    application()  # first: the stop signals' timer needs it
    # Caught from before the first window shows: anything that sees the window (a
    # session manager, a test) may already send SIGTERM.
    with quit_on_signals():
        try:
            shell = open_window(options, opened)
        except DxdeskError as exc:  # e.g. a damaged settings file: said, not a traceback
            text = exc.render(options.language or DEFAULT_LANGUAGE)
            print(text, file=sys.stderr)
            from PySide6.QtWidgets import QMessageBox  # noqa: PLC0415 (only on this error)

            QMessageBox.critical(None, "dxdesk", text)
            return exc.exit_code
        try:
            return QCoreApplication.exec()
        finally:
            shell.close()
