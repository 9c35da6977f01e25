"""Log in to the tracking server; the answer comes back through the runner, so the
window stays alive on a slow link. Each kind of failure gets its own plain words."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.failures import error_text
from ui.i18n import follow_language
from ui.screen_fit import keep_fitted
from ui.sync_controller import SyncController


class LoginDialog(QDialog):
    def __init__(
        self, controller: SyncController, server_url: str, username: str = "",
        parent: QWidget | None = None, *, user_fixed: bool = False,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self._controller = controller
        self.server = QLineEdit(server_url)
        self.user = QLineEdit(username)
        self.user.setReadOnly(user_fixed)
        self._user_fixed = user_fixed
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b91c1c;")
        self.message.hide()
        self.login_button = QPushButton()
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.reject)
        self.server_label, self.user_label, self.password_label = QLabel(), QLabel(), QLabel()
        self.server_label.setBuddy(self.server)
        self.user_label.setBuddy(self.user)
        self.password_label.setBuddy(self.password)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.server_label, self.server)
        form.addRow(self.user_label, self.user)
        form.addRow(self.password_label, self.password)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.login_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)
        keep_fitted(self)  # a two-line error gets room; the fields keep theirs
        controller.login_done.connect(self._on_done)
        controller.login_failed.connect(self._on_failed)
        (self.password if server_url and username else self.server).setFocus()
        follow_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Log in to the tracking server"))
        self.hint.setText(
            self.tr("Logging in is only needed to send reports. You can keep working offline.")
        )
        self.server_label.setText(self.tr("&Server"))
        self.user_label.setText(self.tr("&User name"))
        if self._user_fixed:
            self.user.setToolTip(self.tr("Someone else? Use Switch user… in the main window."))
        self.password_label.setText(self.tr("&Password"))
        self.login_button.setText(self.tr("Log in"))
        self.cancel_button.setText(self.tr("Work offline"))
        self.server.setPlaceholderText("https://dx.example.gov.vn")

    @Slot()
    def submit(self) -> None:
        if not (self.server.text().strip() and self.user.text().strip() and self.password.text()):
            self.show_message(self.tr("Enter the server, your user name and password."))
            return
        self.login_button.setEnabled(False)
        self.show_message(self.tr("Logging in…"), error=False)
        self._controller.login(self.server.text().strip(), self.user.text().strip(),
                               self.password.text())  # fmt: skip

    def show_message(self, text: str, *, error: bool = True) -> None:
        self.message.setStyleSheet("color: #b91c1c;" if error else "")
        self.message.setText(text)
        self.message.show()

    @Slot(object)
    def _on_done(self, _out: object) -> None:
        self.password.clear()
        self.accept()

    @Slot(object)
    def _on_failed(self, error: BaseException) -> None:
        self.login_button.setEnabled(True)
        self.password.selectAll()
        self.show_message(error_text(error))

    def done(self, result: int) -> None:
        self._controller.login_done.disconnect(self._on_done)
        self._controller.login_failed.disconnect(self._on_failed)
        super().done(result)
