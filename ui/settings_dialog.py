"""Settings a person chooses: server, site certificate, language, automatic sync.

The server address is checked as it is typed, by the rules every connection
follows, and what is wrong is said under the field. Changing it says what that
means (a new sign-in; queued reports wait for it) and asks before saving.
"""

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
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dxdesk.errors import SettingsError
from dxdesk.messages import Message
from dxdesk.settings import Settings
from sync.failure_messages import address_problem
from ui import file_dialogs
from ui.i18n import follow_language, language
from ui.screen_fit import keep_fitted


class SettingsDialog(QDialog):
    def __init__(
        self, settings: Settings, parent: QWidget | None = None, *, account_name: str = ""
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._account_name = account_name  # signs reports while the field is empty
        self.server = QLineEdit(settings.server_url)
        self._build_server_checks()
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
        form.addRow("", self.server_problem)
        form.addRow("", self.server_note)
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

    def _build_server_checks(self) -> None:
        self.server.textChanged.connect(self._check_server)
        self.server_problem = QLabel()  # what is wrong with the address, under it
        self.server_problem.setStyleSheet("color: #b91c1c;")
        self.server_problem.setWordWrap(True)
        self.server_problem.hide()
        self.server_note = QLabel()  # what changing it means
        self.server_note.setWordWrap(True)
        self.server_note.hide()
        self.confirm: QMessageBox | None = None  # open while a change is being confirmed
        self.change_button: QPushButton | None = None

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
        self._check_server()

    @property
    def server_changed(self) -> bool:
        return self.server.text().strip().rstrip("/") != self._settings.server_url.rstrip("/")

    @Slot()
    def _check_server(self) -> None:
        """Said next to the field as it is typed; Save waits for a usable address."""
        url = self.server.text().strip()
        problem = address_problem(url, allow_http=self._settings.allow_http) if url else None
        self.server_problem.setVisible(problem is not None)
        if problem is not None:
            self.server_problem.setText(problem.text(language()))
        changed = self.server_changed and bool(self._settings.server_url) and problem is None
        self.server_note.setVisible(changed)
        self.server_note.setText(Message("server_change_note").text(language()))
        self.save_button.setEnabled(problem is None)

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
        url = self.server.text().strip()
        if url and address_problem(url, allow_http=self._settings.allow_http) is not None:
            self._check_server()
            self.server.setFocus()
            return
        try:
            self.chosen().validate()
        except SettingsError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        if self.server_changed and self._settings.server_url:
            self._ask_to_change_server()
            return
        self.accept()

    def _ask_to_change_server(self) -> None:
        """The sign-in and where queued reports go change with the address: asked,
        with keeping the old server as the default answer."""
        words = {code: Message(code).text(language()) for code in (
            "server_change_title", "server_change_note", "server_change_confirm",
            "server_change_keep")}  # fmt: skip
        box = QMessageBox(QMessageBox.Icon.Question, words["server_change_title"],
                          words["server_change_note"], parent=self)  # fmt: skip
        self.change_button = box.addButton(
            words["server_change_confirm"], QMessageBox.ButtonRole.AcceptRole
        )
        keep = box.addButton(words["server_change_keep"], QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.finished.connect(self._on_confirm)
        self.confirm = box
        box.open()

    @Slot()
    def _on_confirm(self) -> None:
        box, self.confirm = self.confirm, None
        if box is not None and box.clickedButton() is self.change_button:
            self.accept()
