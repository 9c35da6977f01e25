"""Log in to the tracking server; the answer comes back through the runner, so the
window stays alive on a slow link. Each kind of failure gets its own plain words."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Slot
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

from dxdesk.errors import DxdeskError
from sync.transport import Failure, TransportError
from ui.i18n import follow_language, language
from ui.sync_controller import SyncController


def failure_text(failure: Failure) -> str:
    texts = {
        Failure.AUTH: QT_TRANSLATE_NOOP(
            "failures",
            "Wrong user name or password.",
        ),
        Failure.OFFLINE: QT_TRANSLATE_NOOP(
            "failures",
            "Cannot reach the server. Check the network or the address; "
            "your reports are safe on this computer.",
        ),
        Failure.CAPTIVE_PORTAL: QT_TRANSLATE_NOOP(
            "failures",
            "This network needs sign-in first: open a web browser, "
            "accept the Wi-Fi terms, then try again.",
        ),
        Failure.TLS: QT_TRANSLATE_NOOP(
            "failures",
            "The server's certificate is not trusted. Check the address, or ask "
            "your administrator for the site certificate (Settings).",
        ),
        Failure.OUTDATED: QT_TRANSLATE_NOOP(
            "failures",
            "This dxdesk is too old for the server; please update it.",
        ),
        Failure.SERVER: QT_TRANSLATE_NOOP(
            "failures",
            "The server has a problem right now; try again later.",
        ),
        Failure.REJECTED: QT_TRANSLATE_NOOP(
            "failures",
            "The server refused the request.",
        ),
        Failure.CONFIG: QT_TRANSLATE_NOOP(
            "failures",
            "The server address is not valid (expected https://…).",
        ),
    }
    return QCoreApplication.translate("failures", str(texts[failure]))


def error_text(error: BaseException) -> str:
    if isinstance(error, TransportError) and error.code == "too_many_attempts":
        return QCoreApplication.translate(
            "failures",
            "Too many wrong passwords: this account is locked for about 15 minutes. "
            "Try again later, or ask your administrator.",
        )
    if isinstance(error, TransportError):
        return failure_text(error.failure)
    if isinstance(error, DxdeskError):
        return error.render(language())
    return QCoreApplication.translate("failures", "Unexpected error; details are in the log.")


class LoginDialog(QDialog):
    def __init__(
        self, controller: SyncController, server_url: str, username: str = "",
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self._controller = controller
        self.server = QLineEdit(server_url)
        self.user = QLineEdit(username)
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
