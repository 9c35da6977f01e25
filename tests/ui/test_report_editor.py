"""Writing a report: attachments, autosave, inline validation, finalize."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from dxdesk import reports, sealing
from dxdesk.identity import trusted_server_key
from dxdesk.profile import Profile
from dxdesk.store.models import Report, ReportState
from tests.ui.conftest import open_editor
from tests.ui.keys import type_text
from ui.desktop import Desktop
from ui.report_editor import ReportEditor


def saved_id(editor: ReportEditor) -> str:
    assert editor.report_id is not None
    return editor.report_id


def stored(profile: Profile, report_id: str) -> Report:
    with profile.db.session() as session:
        return reports.get_report(session, report_id)


def asked(editor: ReportEditor) -> QMessageBox:
    """The confirmation the editor shows now (window-modal, not blocking)."""
    box = editor.question
    assert box is not None and box.isVisible()
    return box


def outbox(profile: Profile) -> list[Report]:
    with profile.db.session() as session:
        return [item.report for item in reports.outbox(session)]


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
    editor.finalize_button.click()
    question = asked(editor)
    with qtbot.waitSignal(editor.finalized):
        QTest.keyClick(question, Qt.Key.Key_Return)  # no contradiction: Enter finalizes
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
    row = window.selected_row()
    task = window.whole_task(row) if row is not None else None
    assert task is not None
    editor = ReportEditor(ui_profile, task, parent=window, autosave_ms=50)
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


def test_discard_asks_first_and_keeping_is_the_default(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile
) -> None:
    editor = open_editor(desktop)
    editor.results.setPlainText("Nhầm")
    editor.save_now()
    draft = saved_id(editor)
    # Esc, Enter and "Giữ bản nháp" all keep it, and the editor stays open.
    for answer in ("escape", "enter", "keep"):
        editor.discard_button.click()
        question = asked(editor)
        assert "không khôi phục được" in question.text()
        keep = question.defaultButton()
        assert keep is question.escapeButton() and keep.text() == "&Giữ bản nháp"
        if answer == "escape":
            QTest.keyClick(question, Qt.Key.Key_Escape)
        elif answer == "enter":
            QTest.keyClick(question, Qt.Key.Key_Return)
        else:
            keep.click()
        qtbot.waitUntil(lambda: editor.question is None)
        assert editor.isVisible()
        assert [r.id for r in outbox(ui_profile)] == [draft]
    # "Xoá bản nháp" deletes it.
    editor.discard_button.click()
    question = asked(editor)
    delete = next(b for b in question.buttons() if b.text() == "&Xoá bản nháp")
    delete.click()
    assert not editor.isVisible()
    assert outbox(ui_profile) == []


def test_finalize_confirms_with_a_summary_and_going_back_keeps_the_draft(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile, pdf_file: Path
) -> None:
    editor = open_editor(desktop, "NV-2026-002")  # indicator: 1200 hồ sơ
    editor.spin.setValue(80)
    editor.results.setPlainText("Đã số hoá 900 hồ sơ")
    editor.indicators["HS"].setValue(900)
    editor.add_files([pdf_file])
    editor.finalize_button.click()
    question = asked(editor)
    text = question.text()
    assert "không sửa được nữa" in text
    for shown in ("NV-2026-002", "Tiến độ: 80%", "Trạng thái: Đang thực hiện",
                  "Số hồ sơ đã số hoá: 900 hồ sơ (mục tiêu 1200)", pdf_file.name,
                  "Độ mật: Thường"):  # fmt: skip
        assert shown in text
    assert "⚠" not in text and question.icon() is QMessageBox.Icon.Question
    QTest.keyClick(question, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: editor.question is None)
    assert [r.state for r in outbox(ui_profile)] == [ReportState.DRAFT]
    assert editor.isVisible()
    editor.finalize_button.click()
    with qtbot.waitSignal(editor.finalized):
        next(b for b in asked(editor).buttons() if b.text() == "&Chốt và gửi").click()
    assert [r.state for r in outbox(ui_profile)] == [ReportState.QUEUED]


def test_finalize_warns_of_contradictions_and_enter_goes_back(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile
) -> None:
    editor = open_editor(desktop, "NV-2026-002")
    editor.spin.setValue(100)  # status left at "in progress", the indicator at 0
    editor.results.setPlainText("Xong")
    editor.finalize_button.click()
    question = asked(editor)
    text = question.text()
    assert question.icon() is QMessageBox.Icon.Warning
    assert "Hãy xem lại" in text
    assert "Tiến độ 100% nhưng trạng thái vẫn là «đang thực hiện»" in text
    assert "chỉ tiêu «Số hồ sơ đã số hoá» là 0" in text
    QTest.keyClick(question, Qt.Key.Key_Return)  # the default is to go back
    qtbot.waitUntil(lambda: editor.question is None)
    assert [r.state for r in outbox(ui_profile)] == [ReportState.DRAFT]

    editor.status.setCurrentIndex(editor.status.findData("done"))
    editor.indicators["HS"].setValue(1000)
    editor.finalize_button.click()
    text = asked(editor).text()
    assert "trạng thái vẫn là" not in text
    assert "chỉ tiêu «Số hồ sơ đã số hoá» mới đạt 1000/1200 hồ sơ" in text
    QTest.keyClick(asked(editor), Qt.Key.Key_Escape)


def test_finalize_refusals_show_inline_before_any_question(desktop: Desktop) -> None:
    editor = open_editor(desktop)
    editor.finalize_button.click()  # nothing written
    assert editor.question is None
    assert "Kết quả đạt được" in editor.errors["results"].text()


def test_an_untouched_form_closed_leaves_no_draft(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile
) -> None:
    editor = open_editor(desktop)
    editor.close()
    assert outbox(ui_profile) == []
    # Typed, autosaved, then all taken back: closing removes the empty draft.
    editor = open_editor(desktop)
    type_text(editor.results, "x")
    editor.save_now()
    assert editor.report_id is not None
    editor.results.clear()
    editor.close_button.click()
    assert outbox(ui_profile) == []
    assert not desktop.window.banner.isVisibleTo(desktop.window)
    # Something written stays, however little.
    editor = open_editor(desktop)
    editor.spin.setValue(editor.spin.value() + 5)
    editor.close_button.click()
    assert len(outbox(ui_profile)) == 1


def test_correcting_ones_own_sealed_report_opens_it_filled_in(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile, tmp_path: Path
) -> None:
    """A classified report keeps none of its words in its row; its author's correction
    still opens with them and with the original file (issue #19)."""
    photo = tmp_path / "so-do-kho.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40)
    with ui_profile.db.session() as session:
        trusted_server_key.remember(session, sealing.public_key_text(sealing.generate()))
        task = reports.find_task(session, "NV-2026-003")
        secret = reports.ReportContent(
            progress=30, results="Kho mật ở điểm K9", difficulties="Thiếu xe",
            classification="secret",
        )  # fmt: skip
        sealed = reports.create(
            session, ui_profile.attachments, task, secret, [photo], ui_profile.limits,
            author="Nguyễn Văn A",
        )  # fmt: skip
        assert sealed.sealed is not None and sealed.results == ""
        sealed_id = sealed.id
    window = desktop.window
    window.correct_report(sealed_id)
    qtbot.waitUntil(lambda: window.editor is not None, timeout=10_000)
    editor = window.editor
    assert editor is not None and editor.report_id != sealed_id
    assert editor.results.toPlainText() == "Kho mật ở điểm K9"
    assert editor.difficulties.toPlainText() == "Thiếu xe"
    assert editor.attachments.count() == 1
    assert editor.attachments.item(0).text().startswith("so-do-kho.jpg")
    editor.close()
    QApplication.processEvents()
