"""The task list's view, for the keyboard: Tab into it selects a row (so Ctrl+N has
a task), and Enter opens the row's report as a double-click does."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QTableView
from typing_extensions import override


class TaskTable(QTableView):
    open_requested = Signal()  # Enter on a selected row

    @override
    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)  # makes a row current, but selects nothing
        if self.selectionModel().hasSelection() or self.model() is None:
            return
        current = self.currentIndex()
        row = current.row() if current.isValid() else 0
        if row < self.model().rowCount():
            self.selectRow(row)

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._has_row():
            self.open_requested.emit()
            return
        super().keyPressEvent(event)

    def _has_row(self) -> bool:
        return self.selectionModel() is not None and self.selectionModel().hasSelection()
