"""Writing a report: attachments, autosave, inline validation, finalize."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dxdesk import reports
from dxdesk.models import Report, ReportState
from dxdesk.profile import Profile
from tests.ui.keys import type_text
from ui.desktop import Desktop
from ui.report_editor import ReportEditor


def open_editor(desktop: Desktop, code: str = "NV-2026-003") -> ReportEditor:
    window = desktop.window
    assert window.select_task(code)
    window.new_report()
    assert window.editor is not None
    return window.editor


def saved_id(editor: ReportEditor) -> str:
    assert editor.report_id is not None
    return editor.report_id


def stored(profile: Profile, report_id: str) -> Report:
    with profile.db.session() as session:
        return reports.get_report(session, report_id)


def test_write_a_report_with_an_attachment_and_finalize(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile, pdf_file: Path
) -> None:
    editor = open_editor(desktop)
    editor.spin.setValue(85)
    type_text(editor.results, "Đã số hoá 900 hồ sơ")
    type_text(editor.difficulties, "Mất điện 3 ngày")
    editor.add_files([pdf_file])
    assert editor.attachments.count() == 1
    assert editor.report_id is not None
    with qtbot.waitSignal(editor.finalized):
        editor.finalize_button.click()
    report = stored(ui_profile, editor.report_id)
    assert (report.state, report.progress) == (ReportState.QUEUED, 85)
    assert report.results == "Đã số hoá 900 hồ sơ"
    with ui_profile.db.session() as session:
        assert len(reports.attachments_of(session, report.id)) == 1
    # The outbox tab shows it waiting.
    items = desktop.window.outbox.model.items
    assert [i.report.state for i in items] == [ReportState.QUEUED]


def test_refused_attachment_is_explained_inline(desktop: Desktop, tmp_path: Path) -> None:
    editor = open_editor(desktop)
    fake = tmp_path / "virus.exe"
    fake.write_bytes(b"MZ" + b"\0" * 100)
    editor.add_files([fake])
    assert editor.attachments.count() == 0
    assert editor.errors["attachments"].isVisibleTo(editor)
    assert editor.errors["attachments"].text()


def test_drop_files_to_attach(desktop: Desktop, pdf_file: Path) -> None:
    editor = open_editor(desktop)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(pdf_file))])
    event = QDropEvent(
        QPoint(10, 10), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    editor.dropEvent(event)
    assert editor.attachments.count() == 1


def test_autosave_by_timer_shows_saved_time(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile
) -> None:
    window = desktop.window
    assert window.select_task("NV-2026-008")
    editor = ReportEditor(ui_profile, window.selected_row().task, parent=window, autosave_ms=50)  # type: ignore[union-attr]
    qtbot.addWidget(editor)
    editor.show()
    type_text(editor.results, "Đang rà soát")
    qtbot.waitUntil(lambda: editor.report_id is not None and not editor.dirty)
    assert editor.saved_label.text().startswith("Đã lưu lúc ")
    assert stored(ui_profile, saved_id(editor)).results == "Đang rà soát"
    editor.close()


def test_autosave_on_focus_change(qtbot: QtBot, desktop: Desktop, ui_profile: Profile) -> None:
    editor = open_editor(desktop)
    editor.activateWindow()
    editor.results.setFocus()
    qtbot.waitUntil(editor.results.hasFocus)
    type_text(editor.results, "Kết quả")
    assert editor.report_id is None  # not yet: the timer is 3 s
    editor.difficulties.setFocus()
    qtbot.waitUntil(lambda: editor.report_id is not None)
    assert stored(ui_profile, saved_id(editor)).results == "Kết quả"


def test_finalize_needs_results_and_says_so_next_to_the_field(desktop: Desktop) -> None:
    editor = open_editor(desktop)
    editor.finalize()
    assert editor.isVisible() and editor.report_id is None
    assert editor.errors["results"].isVisibleTo(editor)
    assert "Kết quả đạt được" in editor.errors["results"].text()


def test_done_needs_full_progress(desktop: Desktop) -> None:
    editor = open_editor(desktop)
    editor.spin.setValue(50)
    editor.status.setCurrentIndex(editor.status.findData("done"))
    editor.results.setPlainText("Xong")
    editor.finalize()
    assert editor.isVisible()
    assert editor.errors["progress"].text()


def test_closing_keeps_the_draft_and_the_banner_offers_it(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile
) -> None:
    editor = open_editor(desktop)
    editor.results.setPlainText("Dở dang")
    editor.close()
    window = desktop.window
    assert window.draft_count() == 1
    assert window.banner.isVisibleTo(window)
    assert "1 bản nháp" in window.banner_text.text()
    # Reopening from the detail pane continues the same draft.
    assert window.select_task("NV-2026-003")
    draft_id = window.detail.draft_id
    assert draft_id is not None and draft_id == editor.report_id
    window.open_report(draft_id)
    assert window.editor is not None and window.editor.results.toPlainText() == "Dở dang"
    QApplication.processEvents()


def test_discard_removes_the_draft(desktop: Desktop, ui_profile: Profile) -> None:
    editor = open_editor(desktop)
    editor.results.setPlainText("Nhầm")
    editor.save_now()
    assert editor.report_id is not None
    editor.discard()
    with ui_profile.db.session() as session:
        assert reports.outbox(session) == []
