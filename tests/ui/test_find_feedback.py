"""Finding a task: a search that finds nothing says so and offers the way back; the
overview's overdue and due-soon lists open the task they name (double-click or
Enter), even when the task list's filter or search hides it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot

from tests.ui.keys import type_text
from ui.dashboard import CODE_ROLE
from ui.desktop import Desktop
from ui.tasks_model import QuickFilter


def test_a_search_that_finds_nothing_says_so_and_clears(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    assert window.no_match.isHidden()
    type_text(window.search, "khong co dau")
    assert window.proxy.rowCount() == 0
    assert window.no_match.isVisible()
    assert window.no_match_text.text() == "Không có nhiệm vụ nào khớp «khong co dau»."
    # A quick filter narrows too: the message names it.
    window.set_quick_filter(QuickFilter.OVERDUE)
    assert "trong mục «Quá hạn»" in window.no_match_text.text()
    window.table.clearSelection()
    window.set_language("en")
    assert window.no_match_text.text() == "No task in «Overdue» matches «khong co dau»."
    assert window.clear_search_button.text() == "Clear search"
    window.set_language("vi")
    QTest.mouseClick(window.clear_search_button, Qt.MouseButton.LeftButton)
    assert window.search.text() == ""
    assert window.no_match.isHidden()
    assert window.proxy.rowCount() > 0
    # A search that finds something shows no message.
    type_text(window.search, "so hoa")
    assert window.proxy.rowCount() > 0 and window.no_match.isHidden()


def first_code(widget: QListWidget) -> str:
    item = widget.item(0)
    assert item is not None
    code = item.data(CODE_ROLE)
    assert isinstance(code, str)
    return code


def test_overview_lists_open_their_task(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    window.tabs.setCurrentWidget(window.dashboard)
    overdue = window.dashboard.overdue
    assert overdue.count() > 0
    code = first_code(overdue)
    # The list hides it: only "done" tasks are shown. Double-click still opens it.
    window.set_quick_filter(QuickFilter.DONE)
    assert not window.select_task(code)
    qtbot.waitUntil(lambda: not overdue.visualItemRect(overdue.item(0)).isEmpty())
    rect = overdue.visualItemRect(overdue.item(0))
    # A real double-click starts with a press (QTest's alone would not).
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(overdue.viewport(), left, none, rect.center())
    QTest.mouseDClick(overdue.viewport(), left, none, rect.center())
    assert window.tabs.currentWidget() is window.tasks_tab
    row = window.selected_row()
    assert row is not None and row.task.code == code
    assert code in window.detail.browser.toPlainText()

    # Enter on a due-soon item does the same.
    window.tabs.setCurrentWidget(window.dashboard)
    soon = window.dashboard.due_soon
    assert soon.count() > 0
    code = first_code(soon)
    soon.setFocus()
    soon.setCurrentRow(0)
    QTest.keyClick(soon, Qt.Key.Key_Return)
    assert window.tabs.currentWidget() is window.tasks_tab
    row = window.selected_row()
    assert row is not None and row.task.code == code
