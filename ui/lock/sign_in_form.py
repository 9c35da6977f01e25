"""The lock screen's online login: someone who has not used dxdesk on this computer
yet (or whose key file needs the server's word after a password change).

Only a form: it hands a :class:`SignInRequest` to the lock screen, which runs it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.i18n import follow_language
from ui.lock.remember_box import RememberBox
from ui.lock.unlocking import SignInRequest

ERROR_STYLE = "color: #b91c1c;"


class SignInForm(QWidget):
    submitted = Signal(object)  # SignInRequest
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.server = QLineEdit()
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.previous = QLineEdit()
        self.previous.setEchoMode(QLineEdit.EchoMode.Password)
        self.server_label, self.user_label = QLabel(), QLabel()
        self.password_label, self.previous_label = QLabel(), QLabel()
        for label, field in ((self.server_label, self.server), (self.user_label, self.user),
                             (self.password_label, self.password),
                             (self.previous_label, self.previous)):  # fmt: skip
            label.setBuddy(field)
        self.form = QFormLayout()
        self.form.addRow(self.server_label, self.server)
        self.form.addRow(self.user_label, self.user)
        self.form.addRow(self.password_label, self.password)
        self.form.addRow(self.previous_label, self.previous)
        self.remember = RememberBox()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.back_button = QPushButton()
        self.back_button.clicked.connect(self.back)
        self.login_button = QPushButton()
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.submit)
        for field in (self.server, self.user, self.password, self.previous):
            field.returnPressed.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.login_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(self.form)
        layout.addWidget(self.remember)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._show_previous(False)
        follow_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.heading.setText(
            self.tr(
                "Log in once while online. After that your data opens on this computer "
                "with your password, even without a network."
            )
        )
        self.server_label.setText(self.tr("&Server"))
        self.user_label.setText(self.tr("&User name"))
        self.password_label.setText(self.tr("&Password"))
        self.previous_label.setText(self.tr("Pre&vious password"))
        self.server.setPlaceholderText("https://dx.example.gov.vn")
        self.back_button.setText(self.tr("Back"))
        self.login_button.setText(self.tr("Log in"))

    def reset(self, server_url: str, *, can_go_back: bool) -> None:
        self.server.setText(server_url)
        self.user.clear()
        self.password.clear()
        self.previous.clear()
        self._show_previous(False)
        self.remember.reset()
        self.message.hide()
        self.back_button.setVisible(can_go_back)
        self.set_busy(False)
        (self.user if server_url else self.server).setFocus()

    def _show_previous(self, visible: bool) -> None:
        self.form.setRowVisible(self.previous, visible)

    @Slot()
    def submit(self) -> None:
        if not self.login_button.isEnabled():
            return  # already running
        server, user = self.server.text().strip(), self.user.text().strip()
        if not (server and user and self.password.text()):
            self.show_message(self.tr("Enter the server, your user name and password."))
            return
        previous = self.previous.text() if self.form.isRowVisible(self.previous) else ""
        request = SignInRequest(
            server, user, self.password.text(), previous or None, self.remember.chosen
        )
        self.password.clear()
        self.previous.clear()
        self.set_busy(True)
        self.show_message(self.tr("Logging in…"), error=False)
        self.submitted.emit(request)

    def ask_previous_password(self, text: str) -> None:
        """The server took a new password that the key file does not know yet."""
        self._show_previous(True)
        self.show_message(text)
        self.password.setFocus()

    def set_busy(self, busy: bool) -> None:
        for widget in (self.server, self.user, self.password, self.previous,
                       self.login_button, self.back_button, self.remember):  # fmt: skip
            widget.setEnabled(not busy)

    def show_message(self, text: str, *, error: bool = True) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)
        self.message.show()
