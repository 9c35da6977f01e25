"""Settings a person chooses: server, site certificate, language, automatic sync."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dxdesk.errors import SettingsError
from dxdesk.settings import Settings
from ui import file_dialogs
from ui.i18n import follow_language
from ui.screen_fit import keep_fitted


class SettingsDialog(QDialog):
    def __init__(
        self, settings: Settings, parent: QWidget | None = None, *, account_name: str = ""
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._account_name = account_name  # signs reports while the field is empty
        self.server = QLineEdit(settings.server_url)
        self.ca_bundle = QLineEdit(settings.ca_bundle)
        self.browse = QPushButton()
        self.browse.clicked.connect(self._choose_ca)
        self.language = QComboBox()
        self.language.addItem("Tiếng Việt", "vi")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.auto_sync = QCheckBox()
        self.auto_sync.setChecked(settings.auto_sync)
        self.wifi_only = QCheckBox()
        self.wifi_only.setChecked(settings.wifi_only)
        self.author = QLineEdit(settings.author)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.hide()
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(self.browse)
        self.labels = [QLabel() for _ in range(4)]
        form = QFormLayout()
        form.addRow(self.labels[0], self.server)
        form.addRow(self.labels[1], ca_row)
        form.addRow(self.labels[2], self.language)
        form.addRow(self.labels[3], self.author)
        form.addRow("", self.auto_sync)
        form.addRow("", self.wifi_only)
        self.save_button, self.cancel_button = QPushButton(), QPushButton()
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.apply)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)
        keep_fitted(self)
        follow_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        for label, text in zip(
            self.labels,
            (self.tr("Server address"), self.tr("Site CA certificate"), self.tr("Language"),
             self.tr("Your name on reports")),
            strict=True,
        ):  # fmt: skip
            label.setText(text)
        self.browse.setText(self.tr("Choose…"))
        self.auto_sync.setText(self.tr("Send reports automatically when a network appears"))
        self.wifi_only.setText(self.tr("…but not over mobile data (where this computer can tell)"))
        self.save_button.setText(self.tr("Save"))
        self.cancel_button.setText(self.tr("Cancel"))
        if self._account_name:
            self.author.setPlaceholderText(self._account_name)
            self.author.setToolTip(
                self.tr("Empty: your reports carry the name the server knows, %1.").replace(
                    "%1", self._account_name
                )
            )

    @Slot()
    def _choose_ca(self) -> None:
        name = file_dialogs.open_file(
            self, self.tr("Site CA certificate"), "", self.tr("Certificates (*.pem *.crt)")
        )
        if name:
            self.ca_bundle.setText(name)

    def chosen(self) -> Settings:
        values = Settings(**{**self._settings.__dict__})
        values.server_url = self.server.text().strip()
        values.ca_bundle = self.ca_bundle.text().strip()
        values.language = str(self.language.currentData())
        values.auto_sync = self.auto_sync.isChecked()
        values.wifi_only = self.wifi_only.isChecked()
        values.author = self.author.text().strip()
        return values

    @Slot()
    def apply(self) -> None:
        try:
            self.chosen().validate()
        except SettingsError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
