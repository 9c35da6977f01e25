"""The status bar's offer of a downloaded update, installed on the officer's OK.

Shown only when a verified release is waiting (``sync.update_install.ready``). On
the OK, the open draft is saved first and nothing happens while a sync is in
flight; the install keeps the new version only if it starts (``dxdesk.updater``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from dxdesk import updater
from dxdesk.errors import DxdeskError
from dxdesk.messages import Message
from dxdesk.profile import Profile
from sync import update_install, updates
from ui.background_jobs import Runner
from ui.i18n import language

log = logging.getLogger(__name__)
# What the install says when it keeps the running version on purpose.
REFUSALS = (update_install.CannotInstallError, updates.UpdateRefusedError, updater.UpdateError)


class UpdateButton(QPushButton):
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
        self.version = ""
        self.clicked.connect(self.install)
        self.hide()

    def refresh(self) -> None:
        found = update_install.ready(self._profile.paths.data)
        self.version = found.offer.version if found is not None else ""
        self.retranslate()
        self.setVisible(found is not None)

    def retranslate(self) -> None:
        self.setText(self.tr("Update %1 ready — install").replace("%1", self.version))

    @Slot()
    def install(self) -> None:
        title = self.tr("Update dxdesk")
        question = self.tr(
            "Install dxdesk %1 now? Your draft is saved first; nothing you typed is lost."
        ).replace("%1", self.version)
        if QMessageBox.question(self, title, question) != QMessageBox.StandardButton.Yes:
            return
        if self._syncing():
            QMessageBox.information(
                self, title, self.tr("A sync is running: install when it ends.")
            )
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
        if outcome.installed:
            QMessageBox.information(
                self, title,
                self.tr("dxdesk %1 is installed. Close dxdesk and start it again to use it.")
                .replace("%1", outcome.version),
            )  # fmt: skip
        else:
            log.warning("update %s rolled back: %s", outcome.version, outcome.problem)
            QMessageBox.warning(self, title, outcome.message().text(language()))
        self.refresh()
