"""Settings → server address: checked as it is typed (the rules every connection
follows), what is wrong said under the field, and a change asked about with what it
means; after it, the window says a sign-in is needed and offers it, and what waits
to be sent is still there."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlmodel import select

from dxdesk import local_state, reports
from dxdesk.identity.credentials import account_name
from dxdesk.store.models import ReportState, Task
from sync import client_account
from tests.ui.conftest import OFFICER
from ui.desktop import Desktop
from ui.settings_dialog import SettingsDialog

OLD = "https://dx.cu.example.gov.vn"
NEW = "https://dx.moi.example.gov.vn"


def signed_in_at(desktop: Desktop, url: str) -> None:
    profile = desktop.profile
    profile.settings.server_url = url
    with profile.db.session() as session:
        local_state.put(session, client_account.USERNAME, OFFICER.username)
        client_account.held_by(session, desktop.controller._session.tokens).put(
            account_name(url, OFFICER.username), "a-token"
        )
        session.commit()
    desktop.controller.settings_changed()


def test_the_address_is_checked_as_it_is_typed(desktop: Desktop) -> None:
    signed_in_at(desktop, OLD)
    dialog = SettingsDialog(desktop.profile.settings)
    dialog.show()
    assert dialog.server_problem.isHidden() and dialog.server_note.isHidden()

    dialog.server.setText("dx.moi.example.gov.vn")
    assert dialog.server_problem.isVisible()
    assert "không phải là địa chỉ máy chủ" in dialog.server_problem.text()
    assert not dialog.save_button.isEnabled()

    dialog.server.setText("http://dx.moi.example.gov.vn")
    assert "hãy dùng https://" in dialog.server_problem.text()
    assert not dialog.save_button.isEnabled()
    dialog.apply()  # Enter in the form: refused, the dialog stays
    assert dialog.result() != SettingsDialog.DialogCode.Accepted and dialog.isVisible()

    dialog.server.setText("http://127.0.0.1:8000")  # this computer may use http
    assert dialog.server_problem.isHidden() and dialog.save_button.isEnabled()
    dialog.server.setText(NEW)
    assert dialog.server_problem.isHidden()
    assert dialog.server_note.isVisible()
    assert "đăng nhập vào máy chủ mới" in dialog.server_note.text()

    # Saving asks first; keeping the old server is the default and changes nothing.
    dialog.apply()
    box = dialog.confirm
    assert box is not None and box.isVisible()
    assert box.defaultButton().text() == "Giữ máy chủ cũ"
    assert "Báo cáo đang chờ gửi" in box.text()
    box.defaultButton().click()
    assert dialog.isVisible() and dialog.result() != SettingsDialog.DialogCode.Accepted
    dialog.apply()
    assert dialog.confirm is not None and dialog.change_button is not None
    dialog.change_button.click()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert dialog.chosen().server_url == NEW


def test_changing_the_server_asks_for_a_sign_in_and_keeps_the_queue(
    qtbot: QtBot, desktop: Desktop
) -> None:
    signed_in_at(desktop, OLD)
    window = desktop.window
    profile = desktop.profile
    with profile.db.session() as session:
        task = session.exec(select(Task)).first()
        assert task is not None
        draft = reports.create_draft(session, task, reports.ReportContent(40, results="Đã làm"))
        queued = reports.finalize(session, profile.attachments, draft.id).id

    def change_in_the_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SettingsDialog)
        dialog.server.setText(NEW)
        dialog.save_button.click()
        box = dialog.confirm
        assert isinstance(box, QMessageBox) and dialog.change_button is not None
        dialog.change_button.click()

    QTimer.singleShot(0, change_in_the_dialog)
    window.open_settings()

    assert profile.settings.server_url == NEW
    assert window.connectivity_label.text() == "Cần đăng nhập để gửi"
    login = window.login_dialog
    assert login is not None and login.isVisible()
    assert login.server.text() == NEW
    login.reject()
    # Nothing waiting was lost or sent anywhere: it waits for the new sign-in.
    with profile.db.session() as session:
        assert reports.get_report(session, queued).state is ReportState.QUEUED
    # The old address's sign-in is kept for a change back.
    with profile.db.session() as session:
        assert client_account.token_for(session, OLD, desktop.controller._session.tokens)
