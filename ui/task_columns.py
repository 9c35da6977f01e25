"""Column widths of the task table, measured from the texts they show in the
language on screen: the title takes what is left (full title in its tooltip);
"Days" is never clipped ("999 days overdue" in English); the status column is
only as wide as its longest short label, not 200 px of a narrow screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from dxdesk.status import Category
from ui import labels
from ui.tasks_model import Column

if TYPE_CHECKING:
    from typing_extensions import override
else:  # typing_extensions costs ~20 ms before the first window; mypy alone needs it
    from ui.overrides import override

PADDING = 18  # the cell's margins and the sort arrow's room
STATUS_MAX = 150  # longer labels elide in the middle; the tooltip has the whole text
FIXED = {
    Column.CODE: ("NV-2026-000",),
    Column.DEADLINE: ("00/00/0000",),
    # Accepted, then the pending one on this PC (tasks_model): "40%→60%".
    Column.PROGRESS: ("100%→100%",),
}


def _days_texts() -> tuple[str, ...]:
    # The plural forms differ by language: measure both, at three digits.
    return labels.day_counts(999)


def _status_texts() -> tuple[str, ...]:
    return (labels.due_soon(), *(labels.category(c) for c in Category))


class _ElideMiddle(QStyledItemDelegate):
    """ "Chưa hoàn thành – quá hạn" cut in the middle keeps "quá hạn", the part
    that tells the statuses apart ("Chưa hoàn…quá hạn", not "Chưa hoàn thành – quá h…")."""

    @override
    def initStyleOption(  # noqa: N802 (Qt name)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


def size_columns(table: QTableView) -> None:
    """Set each column's width for the current language (call again on a switch)."""
    header = table.horizontalHeader()
    metrics = table.fontMetrics()
    header_metrics = header.fontMetrics()
    model = table.model()

    def width(column: int, texts: tuple[str, ...]) -> int:
        title = str(model.headerData(column, header.orientation()) or "")
        widths = [metrics.horizontalAdvance(text) for text in texts]
        widest = max([*widths, header_metrics.horizontalAdvance(title)])
        return widest + PADDING

    for column, texts in FIXED.items():
        header.resizeSection(column, width(column, texts))
    header.resizeSection(Column.DAYS, width(Column.DAYS, _days_texts()))
    header.resizeSection(Column.STATUS, min(STATUS_MAX, width(Column.STATUS, _status_texts())))
    header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)
    if not isinstance(table.itemDelegateForColumn(Column.STATUS), _ElideMiddle):
        table.setItemDelegateForColumn(Column.STATUS, _ElideMiddle(table))
