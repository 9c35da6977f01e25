"""One run of the app: the lock screen, one user's desktop, and back again.

The lock screen comes first and alone (it needs none of the heavy core). Once it
is painted, the keyring is looked up and then the store and sync engine are
imported on the runner. Unlocking builds that user's desktop; "Lock" and "Switch user" take
it down completely (sync stopped, store closed, window and models dropped) before
the lock screen shows again, so two users' data never share a window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from dxdesk.messages import Message
from dxdesk.paths import Paths
from dxdesk.settings import Settings
from ui.background_jobs import PoolRunner, Runner
from ui.crash import CrashHandler
from ui.i18n import Translations, language
from ui.lock.unlock_screen import UnlockScreen
from ui.lock.unlocking import KeyringState, Unlocker, UserSession
from ui.token_access import Tokens
from ui.warmup import done as warmup_done
from ui.warmup import importing, warm_up

if TYPE_CHECKING:
    import subprocess

    from ui.desktop import Desktop

log = logging.getLogger(__name__)


class Shell(QObject):
    def __init__(
        self,
        app: QApplication,
        paths: Paths,
        settings: Settings,
        *,
        tokens: Tokens,
        runner: Runner,
        translations: Translations,
        crash: CrashHandler,
        clock: Callable[[], float] | None = None,
        start_sync: bool = True,
    ) -> None:
        super().__init__()
        self.app = app
        self.paths = paths
        self.settings = settings
        self.tokens = tokens
        self.runner = runner
        self.translations = translations
        self.crash = crash
        self.start_sync = start_sync
        self.unlocker = Unlocker(paths, settings, tokens, clock)
        self.screen = UnlockScreen(self.unlocker, runner)
        self.screen.opened.connect(self.open_desktop)
        self.screen.painted.connect(self._behind_first_window)
        self.screen.unlocking.connect(self._import_desktop)
        self.desktop: Desktop | None = None
        self._open_remembered = True  # only at start: a lock must stay locked
        self._resume: tuple[str, str] | None = None  # (user, draft) open when they locked
        self.relaunched: subprocess.Popen[bytes] | None = None  # the version restarted into

    def start(self, preselect: str | None = None, opened: UserSession | None = None) -> None:
        """Show the lock screen, or straight away the desktop of ``opened`` (the demo)."""
        if opened is not None:
            self._open_remembered = False
            self.open_desktop(opened)
            return
        self.screen.present(preselect)
        self.screen.show()

    # -- behind the first window ----------------------------------------------------

    @Slot()
    def _behind_first_window(self) -> None:
        from dxdesk import __version__  # noqa: PLC0415

        log.info("dxdesk %s: lock screen shown", __version__)
        # The keyring first, the heavy imports after its answer: both take the import
        # lock, and whichever got it first used to decide whether a remembered user
        # saw "opens without a password" after ~0.1 s or, behind the imports, ~1 s
        # of a password field inviting them to type.
        job = partial(self.unlocker.keyring_state, self.screen.known_users)
        self.runner.run(job, self._on_keyring, self._on_keyring_failed)

    @Slot(object)
    def _on_keyring(self, state: KeyringState) -> None:
        self.screen.set_keyring(state)
        if self._open_remembered and self.desktop is None:
            self.screen.unlock_if_remembered()
        self._open_remembered = False
        self.runner.run(warm_up, self._on_warm)

    @Slot(object)
    def _on_keyring_failed(self, error: BaseException) -> None:
        self._open_remembered = False
        log.warning("keyring lookup failed: %s", error)
        self.runner.run(warm_up, self._on_warm)

    @Slot(object)
    def _on_warm(self, fresh: int) -> None:
        log.debug("warmed up %d modules behind the lock screen", fresh)
        if self.screen.busy and self.desktop is None:  # an unlock waited for the core
            self._import_desktop()

    # -- a user's desktop -------------------------------------------------------------

    @Slot()
    def _import_desktop(self) -> None:
        """The main window's modules, while the store opens on the runner (a quarter
        of a second that otherwise follows the unlock). Here, not in the warm-up:
        they define Qt classes, which belong to the GUI thread.

        Only once the heavy core is in (then ``_on_warm`` calls this again): before,
        this import would load the core on the GUI thread, and the lock screen
        would freeze, "Unlocking…" not yet painted, for all of it. A remembered
        user's unlock starts before the warm-up: ~0.4 s here, seconds on an old
        PC's first start of the day."""
        if not warmup_done():
            return
        with importing():
            import ui.desktop  # noqa: F401, PLC0415

    @Slot(object)
    def open_desktop(self, opened: UserSession) -> None:
        with importing():  # at once when ``_import_desktop`` ran
            from ui.desktop import build  # noqa: PLC0415

        self._open_remembered = False
        try:
            # The session that opened the profile (the sign-in's own) is the one
            # the desktop syncs through; the app's parts are lent, not made again.
            desktop = build(
                opened.client, self.runner, app=self.app, crash=self.crash,
                translations=self.translations, start_sync=self.start_sync,
            )  # fmt: skip
        except BaseException:
            opened.profile.close()  # the lock screen stays; the crash handler explains
            raise
        self.desktop = desktop
        desktop.window.lock_requested.connect(self.lock)
        desktop.window.switch_user_requested.connect(self.switch_user)
        desktop.window.restart_requested.connect(self.restart)
        desktop.window.show()
        self.screen.hide()
        resume, self._resume = self._resume, None
        if resume is not None and resume[0] == opened.unlocked.user.username:
            desktop.window.resume_draft(resume[1])  # they go on where they locked
        log.info("window shown for %s", opened.unlocked.user.username)

    @Slot()
    def lock(self) -> None:
        """The same user comes back with their password (Ctrl+L)."""
        self._back_to_screen(keep_selected=True)

    @Slot()
    def switch_user(self) -> None:
        self._back_to_screen(keep_selected=False)

    @Slot(object)
    def restart(self, command: list[str]) -> None:
        """Into the version an update just installed: this user's data is closed as
        for a lock (the open draft saved, sync stopped, the store closed), then the
        new program starts as a process of its own, and this one quits."""
        from dxdesk import updater  # noqa: PLC0415 (not on the lock screen's start)

        self._close_desktop()
        try:
            self.relaunched = updater.start_detached(command)
        except OSError as exc:
            log.error("could not start %s: %s", command[0], exc)
            self.screen.present()
            self.screen.show()  # nothing is lost: the officer unlocks again
            QMessageBox.warning(self.screen, "dxdesk", Message("update_restart_failed").text(
                language()))  # fmt: skip
            return
        log.info("restarting into %s", command[0])
        self.app.quit()

    def _back_to_screen(self, *, keep_selected: bool) -> None:
        desktop = self.desktop
        if desktop is None:
            return
        user = desktop.profile.user.username if desktop.profile.user is not None else None
        # Shown first: with no visible window left, Qt would quit the app.
        if keep_selected:
            self.screen.present(preselect=user)
        else:
            self.screen.present(avoid=user)
        self.screen.show()
        self._close_desktop()
        draft = desktop.window.left_open
        self._resume = (user, draft) if keep_selected and user and draft else None

    def _close_desktop(self) -> None:
        desktop, self.desktop = self.desktop, None
        if desktop is not None:
            who = desktop.profile.user.username if desktop.profile.user else "?"
            desktop.close()
            desktop.profile.close()
            log.info("closed the data of %s", who)

    def close(self) -> None:
        """At exit: the open desktop, then the app's own parts."""
        self._close_desktop()
        if isinstance(self.runner, PoolRunner):
            self.runner.wait()
        self.crash.uninstall()
        self.translations.uninstall()
