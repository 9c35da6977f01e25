"""The first window: who is working, and their password, which opens their data.

Lists the people who have logged in on this computer (most recent first and
preselected). The password unlocks offline; "another user / log in" is the
online login of someone new here. A user who chose to remember their key on this
computer opens without a password. Every unlock and login runs on the runner, so
the window never freezes; refusals are shown inline in the UI's language.

This module is imported before anything heavy: the store, the server client and
the sync engine load behind it (see ``ui.warmup``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, QTimer, Signal, Slot
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dxdesk.errors import DxdeskError
from dxdesk.identity.users import KnownUser, PasswordChangedError
from dxdesk.identity.vault import WrongPasswordError
from ui.background_jobs import Done, Runner
from ui.i18n import follow_language, language
from ui.lock.remember_box import RememberBox
from ui.lock.sign_in_form import ERROR_STYLE, SignInForm
from ui.lock.unlocking import KeyringState, SignInRequest, Unlocker, UserSession
from ui.screen_fit import place

if TYPE_CHECKING:
    from typing_extensions import override
else:  # typing_extensions costs ~20 ms before the first window; mypy alone needs it
    from ui.overrides import override

log = logging.getLogger(__name__)


class UnlockScreen(QWidget):
    opened = Signal(object)  # UserSession: a user's profile is open
    painted = Signal()  # once, after the first paint: heavy work may start behind it
    unlocking = Signal()  # an unlock runs on the runner: the GUI thread is free meanwhile

    def __init__(self, unlocker: Unlocker, runner: Runner) -> None:
        super().__init__()
        self._unlocker = unlocker
        self._runner = runner
        self._users: list[KnownUser] = []
        self._keyring = KeyringState(persistent=True, remembered=frozenset())
        self._painted = False
        self.busy = False

        self.title = QLabel("dxdesk")
        self.title.setStyleSheet("font-size: 22pt; font-weight: 600;")
        self.subtitle = QLabel()
        self.pages = QStackedWidget()
        self._build_unlock_page()
        self.sign_in = SignInForm()
        self.sign_in.submitted.connect(self._sign_in)
        self.sign_in.back.connect(self.show_unlock_page)
        self.pages.addWidget(self.unlock_page)
        self.pages.addWidget(self.sign_in)

        card = QFrame()
        card.setObjectName("unlockCard")
        card.setStyleSheet(
            "#unlockCard { background: palette(base); border: 1px solid palette(mid);"
            " border-radius: 6px; }"
        )
        card.setMaximumWidth(520)
        column = QVBoxLayout(card)
        column.setContentsMargins(24, 20, 24, 20)
        column.addWidget(self.title)
        column.addWidget(self.subtitle)
        column.addSpacing(8)
        column.addWidget(self.pages, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 3)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        place(self, QSize(760, 560))  # a netbook's 1024×540 gets less
        follow_language(self, self.retranslate)

    def _build_unlock_page(self) -> None:
        self.unlock_page = QWidget()
        self.users_label = QLabel()
        self.user_list = QListWidget()
        # Room for a handful of names; a shared PC rarely has more.
        self.user_list.setMinimumHeight(90)
        self.user_list.setMaximumHeight(200)
        self.user_list.setStyleSheet("QListWidget::item { padding: 6px 4px; }")
        self.users_label.setBuddy(self.user_list)
        self.user_list.currentRowChanged.connect(self._on_user_changed)
        self.user_list.itemActivated.connect(self._on_user_activated)
        self.password_label = QLabel()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_label.setBuddy(self.password)
        self.password.returnPressed.connect(self.unlock)
        self.remembered_note = QLabel()
        self.remembered_note.setWordWrap(True)
        self.forget_button = QPushButton()
        self.forget_button.clicked.connect(self._forget)
        remembered = QHBoxLayout()
        remembered.setContentsMargins(0, 0, 0, 0)
        remembered.addWidget(self.remembered_note, 1)
        remembered.addWidget(self.forget_button)
        self.remembered_row = QWidget()
        self.remembered_row.setLayout(remembered)
        self.remember = RememberBox()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.other_button = QPushButton()
        self.other_button.clicked.connect(self.show_sign_in_page)
        self.unlock_button = QPushButton()
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.unlock)
        buttons = QHBoxLayout()
        buttons.addWidget(self.other_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self.unlock_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.users_label)
        layout.addWidget(self.user_list)
        layout.addWidget(self.password_label)
        layout.addWidget(self.password)
        layout.addWidget(self.remembered_row)
        layout.addWidget(self.remember)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("dxdesk — Unlock"))
        self.subtitle.setText(self.tr("Task progress reports"))
        self.users_label.setText(self.tr("&Users on this computer"))
        self.password_label.setText(self.tr("&Password"))
        self.remembered_note.setText(
            self.tr("This user's data opens without a password on this computer.")
        )
        self.forget_button.setText(self.tr("Stop remembering"))
        self.other_button.setText(self.tr("Another user / log in"))
        self.unlock_button.setText(self.tr("Unlock"))

    # -- what the app shows -----------------------------------------------------

    def present(self, preselect: str | None = None, *, avoid: str | None = None) -> None:
        """Fill the list afresh (at start, and after a lock or a switch of user):
        ``preselect`` that user, or the most recent one other than ``avoid``."""
        problem = ""
        try:
            self._users = self._unlocker.known_users()
        except DxdeskError as exc:  # a damaged users.json: the users' folders are safe
            self._users, problem = [], exc.render(language())
        self.user_list.clear()
        for user in self._users:
            item = QListWidgetItem(user.label)
            item.setToolTip(" · ".join(p for p in (user.unit_code, user.server_url) if p))
            self.user_list.addItem(item)
        chosen = next((u for u in self._users if u.username == preselect), None)
        if chosen is None:
            chosen = next((u for u in self._users if u.username != avoid), None)
        index = self._users.index(chosen) if chosen is not None else 0
        if self._users:
            self.user_list.setCurrentRow(index)
        self.password.clear()
        self.remember.reset()
        self.message.hide()
        self._set_busy(False)
        if self._users:
            self.show_unlock_page()
            if avoid is not None:
                self.user_list.setFocus()  # switching: choosing comes first
            else:
                self._focus_entry()
        else:
            self.show_sign_in_page()
        if problem:
            self.sign_in.show_message(problem)

    def set_keyring(self, state: KeyringState) -> None:
        self._keyring = state
        self.remember.set_persistent(state.persistent)
        self.sign_in.remember.set_persistent(state.persistent)
        self._show_user_state()

    @property
    def known_users(self) -> list[KnownUser]:
        return list(self._users)

    def selected_user(self) -> KnownUser | None:
        row = self.user_list.currentRow()
        return self._users[row] if 0 <= row < len(self._users) else None

    def is_remembered(self, user: KnownUser | None) -> bool:
        return user is not None and user.account in self._keyring.remembered

    @Slot()
    def show_unlock_page(self) -> None:
        self.pages.setCurrentWidget(self.unlock_page)
        self.message.hide()
        self._show_user_state()

    @Slot()
    def show_sign_in_page(self) -> None:
        self.sign_in.reset(self._unlocker.settings.server_url, can_go_back=bool(self._users))
        self.pages.setCurrentWidget(self.sign_in)

    @Slot(int)
    def _on_user_changed(self, _row: int) -> None:
        self.message.hide()  # it was about the previous user
        self._show_user_state()

    def _show_user_state(self) -> None:
        """A password to type, or "opens without a password" for a remembered key."""
        remembered = self.is_remembered(self.selected_user())
        self.password_label.setVisible(not remembered)
        self.password.setVisible(not remembered)
        self.remember.setVisible(not remembered)
        self.remembered_row.setVisible(remembered)
        if not self.user_list.hasFocus():  # arrowing through the list keeps it there
            self._focus_entry()

    def _focus_entry(self) -> None:
        if self.pages.currentWidget() is self.unlock_page:
            remembered = self.is_remembered(self.selected_user())
            (self.unlock_button if remembered else self.password).setFocus()

    @Slot(QListWidgetItem)
    def _on_user_activated(self, _item: QListWidgetItem) -> None:
        if self.is_remembered(self.selected_user()):
            self.unlock()
        else:
            self.password.setFocus()

    # -- unlocking ----------------------------------------------------------------

    def unlock_if_remembered(self) -> bool:
        """At start: open straight away when the keyring holds the chosen user's key."""
        if self.busy or not self.is_remembered(self.selected_user()):
            return False
        self.unlock()
        return True

    @Slot()
    def unlock(self) -> None:
        user = self.selected_user()
        if self.busy or user is None:
            return
        if self.is_remembered(user):
            self._start(partial(self._unlocker.with_keyring, user), self._on_keyring_opened)
            return
        password = self.password.text()
        if not password:
            self._show_message(self.tr("Enter your password."))
            return
        self.password.clear()  # wrong or right, it is typed afresh next time
        job = partial(self._unlocker.with_password, user, password, remember=self.remember.chosen)
        self._start(job, self._on_opened)

    def _start(self, job: Callable[[], object], done: Done) -> None:
        self._set_busy(True)
        self._show_message(self.tr("Unlocking…"), error=False)
        self._runner.run(job, done, self._on_failed)
        self.unlocking.emit()

    @Slot(object)
    def _sign_in(self, request: SignInRequest) -> None:
        self._set_busy(True)
        self._runner.run(partial(self._unlocker.sign_in, request), self._on_opened, self._on_failed)

    @Slot()
    def _forget(self) -> None:
        user = self.selected_user()
        if user is None or self.busy:
            return
        self._runner.run(partial(self._unlocker.forget, user), self._on_forgotten, self._on_failed)

    @Slot(object)
    def _on_forgotten(self, _result: object) -> None:
        self._refresh_remembered(removed=self.selected_user())

    def _refresh_remembered(self, removed: KnownUser | None) -> None:
        if removed is not None:
            held = self._keyring.remembered - {removed.account}
            self._keyring = KeyringState(self._keyring.persistent, held)
        self._show_user_state()

    @Slot(object)
    def _on_keyring_opened(self, opened: UserSession | None) -> None:
        if opened is None:  # removed from the keyring meanwhile: ask for the password
            self._set_busy(False)
            self._refresh_remembered(removed=self.selected_user())
            self._show_message(self.tr("The remembered key is gone; enter your password."))
            return
        self._on_opened(opened)

    @Slot(object)
    def _on_opened(self, opened: UserSession) -> None:
        self._set_busy(False)
        if opened.remembered:  # the next lock offers "Unlock" without a password
            held = self._keyring.remembered | {opened.unlocked.user.account}
            self._keyring = KeyringState(self._keyring.persistent, held)
        self.message.hide()
        self.opened.emit(opened)

    @Slot(object)
    def _on_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        on_sign_in = self.pages.currentWidget() is self.sign_in
        if isinstance(error, DxdeskError):
            text = error.render(language())
        else:
            # The server client is loaded by now: whatever failed has imported it.
            from sync.transport import TransportError  # noqa: PLC0415
            from ui.failures import error_text  # noqa: PLC0415

            text = error_text(error)
            if not isinstance(error, TransportError):  # a refusal is explained, not a bug
                log.error("unlock or login failed", exc_info=error)
        if on_sign_in and isinstance(error, PasswordChangedError):
            self.sign_in.ask_previous_password(text)
        elif on_sign_in:
            self.sign_in.show_message(text)
        else:
            if isinstance(error, WrongPasswordError):  # besides a typo, the usual reason:
                text += "\n" + self.tr(
                    "Password changed on the server? Log in once with “Another user / log in”."
                )
            self._show_message(text)
            self.password.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (self.user_list, self.password, self.remember, self.unlock_button,
                       self.other_button, self.forget_button):  # fmt: skip
            widget.setEnabled(not busy)
        self.sign_in.set_busy(busy)

    def _show_message(self, text: str, *, error: bool = True) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)
        self.message.show()

    # -- first paint ----------------------------------------------------------------

    @override
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # After this paint returns: imports behind the window, not before it.
            QTimer.singleShot(0, self.painted.emit)
