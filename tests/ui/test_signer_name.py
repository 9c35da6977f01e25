"""A new officer's reports carry their full name, as the server gave it at login,
until they choose another in Settings ("Họ tên ghi trên báo cáo")."""

from __future__ import annotations

from dxdesk import reports
from dxdesk.profile import Profile
from ui.desktop import Desktop
from ui.settings_dialog import SettingsDialog


def test_empty_signer_name_is_the_account_full_name(desktop: Desktop, ui_profile: Profile) -> None:
    ui_profile.settings.author = ""  # as on a fresh install: nobody typed a name
    assert ui_profile.user is not None
    assert ui_profile.author == ui_profile.user.full_name == "Nguyễn Văn A"
    window = desktop.window
    assert window.select_task("NV-2026-003")
    window.new_report()
    editor = window.editor
    assert editor is not None
    editor.spin.setValue(40)
    editor.save_now()
    assert editor.report_id is not None
    with ui_profile.db.session() as session:
        assert reports.get_report(session, editor.report_id).author == "Nguyễn Văn A"
    editor.close()


def test_a_chosen_name_wins(ui_profile: Profile) -> None:
    ui_profile.settings.author = "Trần Thị B"
    assert ui_profile.author == "Trần Thị B"


def test_settings_show_the_name_reports_will_carry(desktop: Desktop, ui_profile: Profile) -> None:
    ui_profile.settings.author = ""
    dialog = SettingsDialog(ui_profile.settings, desktop.window, account_name="Nguyễn Văn A")
    assert dialog.author.text() == ""  # still empty: it follows the account
    assert dialog.author.placeholderText() == "Nguyễn Văn A"
    assert "Nguyễn Văn A" in dialog.author.toolTip()
    assert dialog.chosen().author == ""
    dialog.reject()
