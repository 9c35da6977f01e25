"""The status bar's offer of a downloaded update, installed on the officer's OK.

Shown only when a verified release is waiting (``sync.update_install.ready``). On
the OK, the open draft is saved first and nothing happens while a sync is in
flight; the install keeps the new version only if it starts (``dxdesk.updater``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from dxdesk import updater
from dxdesk.profile import Profile
from sync import update_install, updates


class UpdateButton(QPushButton):
    def __init__(
        self,
        profile: Profile,
        save_drafts: Callable[[], None],
        syncing: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
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
        data = self._profile.paths.data
        try:
            outcome = update_install.install(data, self._profile.settings, self.install_dir)
        except (update_install.CannotInstallError, updates.UpdateRefusedError,
                updater.UpdateError) as exc:  # fmt: skip
            QMessageBox.warning(self, title, str(exc))
            self.refresh()
            return
        if outcome.installed:
            QMessageBox.information(
                self, title,
                self.tr("dxdesk %1 is installed. Close dxdesk and start it again to use it.")
                .replace("%1", outcome.version),
            )  # fmt: skip
        else:
            words = self.tr(
                "dxdesk %1 did not start, so the version you use is back. No data was touched."
            )
            text = words.replace("%1", outcome.version) + "\n\n" + outcome.problem
            QMessageBox.warning(self, title, text)
        self.refresh()
