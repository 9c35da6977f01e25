"""The officer's keyboard: Tab into the task list selects a task, Enter opens its
report, the editor starts on the progress box, Enter in a field opens nothing, the
slider shows focus, and the whole way to a queued report needs only Tab, Enter and
typed text."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from dxdesk import reports
from dxdesk.profile import Profile
from dxdesk.store.models import ReportState
from tests.ui.keys import type_text
from ui.desktop import Desktop
from ui.main_window import MainWindow
from ui.report_editor import ReportEditor


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key as the officer presses it: to whatever has the focus."""
    QTest.keyClick(focused(), key, modifier)


def active(qtbot: QtBot, window: QWidget) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def in_search(qtbot: QtBot, window: MainWindow) -> None:
    active(qtbot, window)
    window.table.clearSelection()
    window.search.setFocus()
    qtbot.waitUntil(window.search.hasFocus)


def test_tab_into_the_table_selects_a_task_so_ctrl_n_has_one(
    qtbot: QtBot, desktop: Desktop
) -> None:
    window = desktop.window
    in_search(qtbot, window)
    assert window.selected_row() is None
    press(Qt.Key.Key_Tab)
    assert window.table.hasFocus()
    row = window.selected_row()
    assert row is not None
    press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.editor is not None and window.editor.heading.text().startswith(row.task.code)
    window.editor.close()


def test_the_editor_starts_on_the_progress_box_and_enter_there_opens_nothing(
    qtbot: QtBot, desktop: Desktop
) -> None:
    window = desktop.window
    assert window.select_task("NV-2026-003")
    window.new_report()
    editor = window.editor
    assert editor is not None
    active(qtbot, editor)
    assert focused() is editor.spin
    clicked: list[str] = []
    for button in editor.findChildren(QPushButton):
        button.clicked.connect(lambda _c=False, b=button: clicked.append(b.text()))
    # Were a file dialog to open, close it rather than hang here.
    QTimer.singleShot(2000, lambda: QApplication.activeModalWidget() not in (None, editor)
                      and QApplication.activeModalWidget().reject())  # type: ignore[union-attr]  # fmt: skip
    QTest.keyClicks(editor.spin, "85")
    press(Qt.Key.Key_Return)
    assert clicked == []
    assert editor.spin.value() == 85 and editor.isVisible()
    press(Qt.Key.Key_Tab)
    assert focused() is editor.status
    press(Qt.Key.Key_Return)
    assert clicked == []
    editor.close()


def grab(widget: QWidget) -> QImage:
    return widget.grab().toImage()


def test_the_slider_shows_when_it_has_the_focus(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    assert window.select_task("NV-2026-003")
    window.new_report()
    editor = window.editor
    assert editor is not None
    active(qtbot, editor)
    before = grab(editor.slider)
    editor.slider.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(editor.slider.hasFocus)
    assert grab(editor.slider) != before
    editor.close()


def test_keyboard_only_from_the_task_list_to_a_queued_report(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile
) -> None:
    window = desktop.window
    in_search(qtbot, window)
    press(Qt.Key.Key_Tab)  # into the list: a task is selected
    row = window.selected_row()
    assert row is not None
    press(Qt.Key.Key_Return)  # opens its report
    editor = window.editor
    assert isinstance(editor, ReportEditor)
    active(qtbot, editor)
    press(Qt.Key.Key_Backspace)
    press(Qt.Key.Key_Backspace)
    press(Qt.Key.Key_Backspace)
    type_text(focused(), "40")
    press(Qt.Key.Key_Tab)  # status: left as it is
    press(Qt.Key.Key_Tab)
    type_text(focused(), "Đã rà soát 40 hồ sơ")
    for _ in range(30):  # on through the form to "Chốt và xếp hàng gửi"
        if focused() is editor.finalize_button:
            break
        press(Qt.Key.Key_Tab)
    assert focused() is editor.finalize_button
    press(Qt.Key.Key_Return)
    question = editor.question
    assert question is not None and question.isVisible()
    active(qtbot, question)
    with qtbot.waitSignal(editor.finalized):
        press(Qt.Key.Key_Return)  # the confirmation's default
    with ui_profile.db.session() as session:
        queued = [item.report for item in reports.outbox(session)]
    assert [(r.state, r.progress, r.results) for r in queued] == [
        (ReportState.QUEUED, 40, "Đã rà soát 40 hồ sơ")
    ]
    assert queued[0].task_id == row.task.id
    assert QKeySequence("Ctrl+N") == window.new_action.shortcut()
