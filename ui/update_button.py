"""The status bar's word on updates, and the install on the officer's OK.

It shows where the update stands (``sync.update_status``): a newer version known,
part of it downloaded, downloaded and ready, or installed here and rolled back.
Only a ready one is installed, on the officer's OK: the open draft is saved first
and nothing happens while a sync is in flight; the install keeps the new version
only if it starts (``dxdesk.updater``). Once installed, it offers to restart into
it: the desktop is closed as for a lock (draft saved, sync stopped, store closed),
the new version's program is started and this one quits (``ui.shell``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from dxdesk import updater
from dxdesk.errors import DxdeskError
from dxdesk.messages import Message
from dxdesk.profile import Profile
from sync import update_install, update_status, updates
from sync.update_status import UpdateStatus
from ui.background_jobs import Runner
from ui.i18n import language

log = logging.getLogger(__name__)
# What the install says when it keeps the running version on purpose.
REFUSALS = (update_install.CannotInstallError, updates.UpdateRefusedError, updater.UpdateError)


class UpdateButton(QPushButton):
    # The command that starts the version just installed; the shell closes this
    # user's data, starts it and quits.
    restart_requested = Signal(object)

    def __init__(
        self,
        profile: Profile,
        save_drafts: Callable[[], None],
        syncing: Callable[[], bool],
        runner: Runner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._profile = profile
        self._save_drafts = save_drafts
        self._syncing = syncing
        self.install_dir: Path | None = updater.portable_app_dir()
        self.relaunch_arguments: list[str] = sys.argv[1:]  # --home, --lang: kept
        self.status = UpdateStatus("none")
        self.installed: str = ""  # the version installed by this run, not yet started
        self.restart_box: QMessageBox | None = None
        self.clicked.connect(self._clicked)
        self.hide()

    @property
    def version(self) -> str:
        return self.installed or self.status.version

    def refresh(self) -> None:
        if not self.installed:
            self.status = update_status.status(self._profile.paths.data)
        self.retranslate()
        self.setVisible(bool(self.installed) or self.status.kind != "none")

    def retranslate(self) -> None:
        kind, version = self.status.kind, self.version
        if self.installed:
            text, tip = (
                self.tr("Restart for %1"),
                self.tr(
                    "dxdesk %1 is installed. Restart dxdesk to use it; your draft is saved first."
                ),
            )
        elif kind == "available":
            text, tip = (
                self.tr("Update %1: not downloaded"),
                self.tr(
                    "dxdesk %1 is available. It downloads in the background when you sync "
                    "(on mobile data only if Settings allow it)."
                ),
            )
        elif kind == "downloading":
            text = self.tr("Downloading %1: %2%").replace("%2", str(self.status.percent))
            tip = self.tr(
                "dxdesk %1 is being downloaded in the background; each sync continues "
                "where the last one stopped."
            )
        elif kind == "failed":
            text, tip = (
                self.tr("Update %1 failed"),
                self.tr(
                    "dxdesk %1 was installed but did not start, so the version you use came "
                    "back. No data was touched, and this version is not downloaded again."
                ),
            )
        else:
            text, tip = (
                self.tr("Install update %1"),
                self.tr(
                    "dxdesk %1 is downloaded and verified. Install it now; your draft is "
                    "saved first."
                ),
            )
        self.setText(text.replace("%1", version))
        self.setToolTip(tip.replace("%1", version))

    @Slot()
    def _clicked(self) -> None:
        if self.installed:
            self.restart()
        elif self.status.kind == "ready":
            self.install()
        else:  # nothing to do yet: say where it stands
            QMessageBox.information(self, self.tr("Update dxdesk"), self.toolTip())

    @Slot()
    def install(self) -> None:
        title = self.tr("Update dxdesk")
        question = self.tr(
            "Install dxdesk %1 now? Your draft is saved first; nothing you typed is lost."
        ).replace("%1", self.version)
        if QMessageBox.question(self, title, question) != QMessageBox.StandardButton.Yes:
            return
        if self._syncing():
            QMessageBox.information(self, title, Message("update_syncing").text(language()))
            return
        self._save_drafts()
        data, settings, where = self._profile.paths.data, self._profile.settings, self.install_dir
        # Off the GUI thread: unpacking and waiting for the new version to say it
        # started take up to a minute, and the window must keep painting.
        self.setEnabled(False)
        self._runner.run(
            lambda: update_install.install(data, settings, where),
            lambda outcome: self._installed(title, outcome),
            lambda error: self._refused(title, error),
        )

    def _refused(self, title: str, error: BaseException) -> None:
        self.setEnabled(True)
        if not isinstance(error, REFUSALS):  # a bug, not a refusal: logged whole
            log.error("installing the update failed", exc_info=error)
        else:
            log.info("update not installed: %s", error)  # the detail, for the log
        if isinstance(error, DxdeskError):
            text = error.render(language())
        else:
            text = Message("update_not_installed").text(language())
        QMessageBox.warning(self, title, text)
        self.refresh()

    def _installed(self, title: str, outcome: updater.Outcome) -> None:
        self.setEnabled(True)
        if not outcome.installed:
            log.warning("update %s rolled back: %s", outcome.version, outcome.problem)
            QMessageBox.warning(self, title, outcome.message().text(language()))
            self.refresh()
            return
        if self._relaunch_command() is None:  # a development checkout: no program to start
            QMessageBox.information(
                self, title,
                self.tr("dxdesk %1 is installed. Close dxdesk and start it again to use it.")
                .replace("%1", outcome.version),
            )  # fmt: skip
            self.refresh()
            return
        self.installed = outcome.version
        self.refresh()
        self._offer_restart(title)

    def _offer_restart(self, title: str) -> None:
        """Window-modal, not blocking: a lock or a sync's answer can still come."""
        box = QMessageBox(QMessageBox.Icon.Information, title, "", parent=self.window())
        box.setText(
            self.tr("dxdesk %1 is installed. Restart now to use it? Your draft is saved first.")
            .replace("%1", self.installed)
        )  # fmt: skip
        now = box.addButton(self.tr("Restart now"), QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(now)
        box.setEscapeButton(later)
        box.finished.connect(lambda _result: self._restart_answered(box, now))
        self.restart_box = box
        box.open()

    def _restart_answered(self, box: QMessageBox, now: object) -> None:
        self.restart_box = None
        if box.clickedButton() is now:
            self.restart()

    def _relaunch_command(self) -> list[str] | None:
        return updater.relaunch_command(self.install_dir, self.relaunch_arguments)

    @Slot()
    def restart(self) -> None:
        """Into the installed version, at a moment that loses nothing: not while a
        sync is in flight (its answers would arrive to nobody)."""
        command = self._relaunch_command()
        if command is None:
            return
        if self._syncing():
            QMessageBox.information(
                self, self.tr("Update dxdesk"),
                self.tr("A sync is running: restart when it ends."),
            )  # fmt: skip
            return
        self._save_drafts()
        self.restart_requested.emit(command)
