"""Version, where the files are, and diagnostics to paste to support (no secrets)."""

from __future__ import annotations

import platform
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Slot, qVersion
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dxdesk import __version__
from dxdesk.paths import Paths
from dxdesk.settings import Settings
from ui.i18n import follow_language
from ui.screen_fit import keep_fitted


def diagnostics(paths: Paths, settings: Settings, token_store: str) -> str:
    """What support needs; never a token or password (the server URL is not secret)."""
    return "\n".join(
        [
            f"dxdesk {__version__}",
            f"site {settings.site_name or '-'}",
            f"Python {sys.version.split()[0]} · PySide6 {pyside_version} · Qt {qVersion()}",
            f"OS {platform.platform()}",
            f"data {paths.data}",
            f"logs {paths.logs}",
            f"server {settings.server_url or '-'}",
            f"ca_bundle {'yes' if settings.ca_bundle else 'no'}",
            f"language {settings.language} · auto_sync {settings.auto_sync}",
            f"token store {token_store}",
        ]
    )


class AboutDialog(QDialog):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.details = QPlainTextEdit(text)
        self.details.setReadOnly(True)
        self.copy_button, self.close_button = QPushButton(), QPushButton()
        self.copy_button.clicked.connect(self.copy)
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)
        self.resize(560, 320)
        keep_fitted(self)
        follow_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("About dxdesk"))
        self.title.setText(
            self.tr("dxdesk %1 — progress reports on assigned tasks, offline first").replace(
                "%1", __version__
            )
        )
        self.copy_button.setText(self.tr("Copy diagnostics"))
        self.close_button.setText(self.tr("Close"))

    @Slot()
    def copy(self) -> None:
        QApplication.clipboard().setText(self.details.toPlainText())
