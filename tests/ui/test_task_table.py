"""The task table on a narrow screen: titles get the room, "Days" is not clipped in
either language, and "quá N ngày" stands out more than "còn N ngày"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QStyleOptionViewItem

from ui import labels
from ui.dashboard import CODE_ROLE
from ui.desktop import Desktop
from ui.tasks_model import Column


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in (colour.redF(), colour.greenF(), colour.blueF()))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_overdue_days_stand_out(desktop: Desktop) -> None:
    model = desktop.window.model
    background = desktop.window.table.palette().base().color()
    text = desktop.window.table.palette().text().color()
    overdue = left = None
    for row in range(model.rowCount()):
        index = model.index(row, Column.DAYS)
        if str(index.data()).startswith("quá "):
            overdue = index
        elif str(index.data()).startswith("còn "):
            left = index
    assert overdue is not None and left is not None
    colour = overdue.data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(colour, QColor)
    # Was the status colour darkened: greyer than the plain text of "còn N ngày".
    assert contrast(colour, background) >= 4.5
    assert colour.hsvSaturationF() > 0.5  # a red, not a grey
    font = overdue.data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()
    assert left.data(Qt.ItemDataRole.ForegroundRole) is None  # the palette's text colour
    assert left.data(Qt.ItemDataRole.FontRole) is None
    assert contrast(text, background) >= 4.5


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_titles_stretch_and_days_are_not_clipped(desktop: Desktop, lang: str) -> None:
    window = desktop.window
    window.set_language(lang)
    window.resize(1024, 540)
    QApplication.processEvents()
    table, header = window.table, window.table.horizontalHeader()
    metrics = table.fontMetrics()
    days = [window.proxy.index(r, Column.DAYS).data() for r in range(window.proxy.rowCount())]
    assert any(days)
    for text in days:
        assert metrics.horizontalAdvance(text) + 8 <= header.sectionSize(Column.DAYS), text
    # A pending progress beside the accepted one is not cut either ("100%→100%").
    widest = "100%→100%"
    assert metrics.horizontalAdvance(widest) + 8 <= header.sectionSize(Column.PROGRESS)
    status = header.sectionSize(Column.STATUS)
    assert status <= 170  # was 200 px of a narrow screen
    assert header.sectionSize(Column.TITLE) > status
    title = window.proxy.index(0, Column.TITLE)
    assert (
        title.data(Qt.ItemDataRole.ToolTipRole) == title.data()
    )  # the full title, when the cell cuts it
    window.set_language("vi")


def test_a_cut_status_keeps_its_end(desktop: Desktop) -> None:
    """Cut in the middle: "Chưa hoàn…quá hạn" still says which status it is."""
    table = desktop.window.table
    index = desktop.window.proxy.index(0, Column.STATUS)
    delegate = table.itemDelegateForColumn(Column.STATUS)
    assert isinstance(delegate, QStyledItemDelegate)
    option = QStyleOptionViewItem()
    delegate.initStyleOption(option, index)
    assert option.textElideMode == Qt.TextElideMode.ElideMiddle
    assert option.text == index.data()


def test_overdue_stands_out_in_the_detail_pane_and_the_overview_too(desktop: Desktop) -> None:
    window = desktop.window
    window.tabs.setCurrentWidget(window.dashboard)  # filled when shown
    lists = window.dashboard.overdue, window.dashboard.due_soon
    overdue_items = [lists[0].item(i) for i in range(lists[0].count())]
    assert overdue_items
    for item in overdue_items:
        assert item.font().bold() and item.foreground().color() == labels.overdue_text_colour()
    for i in range(lists[1].count()):
        assert not lists[1].item(i).font().bold()
    code = str(overdue_items[0].data(CODE_ROLE))
    window.tabs.setCurrentWidget(window.tasks_tab)
    assert window.select_task(code)
    QApplication.processEvents()
    html = window.detail.browser.toHtml()
    assert labels.OVERDUE_TEXT.lower() in html.lower() and "font-weight" in html
