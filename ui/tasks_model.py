"""The task list: a table model over ``TaskRow``s and a filtering proxy.

The model is reset when rows are reloaded (after a sync or a saved report); the
proxy filters on each task's precomputed folded search key and a quick filter, so
typing in the search box never touches the database.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractItemModel,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Slot,
)
from typing_extensions import override

from dxdesk.models import ReportState
from dxdesk.tasks import TaskRow
from dxdesk.text import search_terms
from ui import labels

Index = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the TaskRow itself
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a value that sorts right (dates, numbers)

UNSET = QModelIndex()


class QuickFilter(StrEnum):
    ALL = "all"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    RETURNED = "returned"

    def accepts(self, row: TaskRow) -> bool:
        status = row.status
        if self is QuickFilter.OVERDUE:
            return status.overdue
        if self is QuickFilter.DUE_SOON:
            return status.due_soon
        if self is QuickFilter.IN_PROGRESS:
            return not status.category.is_done
        if self is QuickFilter.DONE:
            return status.category.is_done
        if self is QuickFilter.RETURNED:
            return row.latest_report_state is ReportState.RETURNED
        return True

    def label(self) -> str:
        names = {
            QuickFilter.ALL: QT_TRANSLATE_NOOP("QuickFilter", "All"),
            QuickFilter.OVERDUE: QT_TRANSLATE_NOOP("QuickFilter", "Overdue"),
            QuickFilter.DUE_SOON: QT_TRANSLATE_NOOP("QuickFilter", "Due soon"),
            QuickFilter.IN_PROGRESS: QT_TRANSLATE_NOOP("QuickFilter", "In progress"),
            QuickFilter.DONE: QT_TRANSLATE_NOOP("QuickFilter", "Done"),
            QuickFilter.RETURNED: QT_TRANSLATE_NOOP("QuickFilter", "Returned"),
        }
        return QCoreApplication.translate("QuickFilter", str(names[self]))


def counts(rows: list[TaskRow]) -> dict[QuickFilter, int]:
    return {f: sum(1 for row in rows if f.accepts(row)) for f in QuickFilter}


class Column:
    CODE, TITLE, DEADLINE, DAYS, PROGRESS, STATUS = range(6)
    COUNT = 6


def _dmy(row: TaskRow) -> str:
    deadline = row.task.deadline
    return deadline.strftime("%d/%m/%Y") if deadline else "—"


class TaskTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[TaskRow] = []
        self._keys: list[str] = []

    @property
    def rows(self) -> list[TaskRow]:
        return self._rows

    @property
    def search_keys(self) -> list[str]:
        """Each row's folded search key, read once per reset (a mapped attribute
        costs a descriptor call, 20,000 of them on every keystroke)."""
        return self._keys

    def set_rows(self, rows: list[TaskRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._keys = [row.task.search_key for row in self._rows]
        self.endResetModel()

    @override
    def rowCount(self, parent: Index = UNSET) -> int:
        return 0 if parent.isValid() else len(self._rows)

    @override
    def columnCount(self, parent: Index = UNSET) -> int:
        return 0 if parent.isValid() else Column.COUNT

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < Column.COUNT:
            return None
        names = (
            QT_TRANSLATE_NOOP("TaskTableModel", "Code"),
            QT_TRANSLATE_NOOP("TaskTableModel", "Task"),
            QT_TRANSLATE_NOOP("TaskTableModel", "Deadline"),
            QT_TRANSLATE_NOOP("TaskTableModel", "Days"),
            QT_TRANSLATE_NOOP("TaskTableModel", "Progress"),
            QT_TRANSLATE_NOOP("TaskTableModel", "Status"),
        )
        return QCoreApplication.translate("TaskTableModel", str(names[section]))

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.BackgroundRole and column == Column.STATUS:
            return labels.colour(row.status)
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.DAYS and row.status.overdue:
            return labels.overdue_text_colour()  # "quá N ngày" stands out, not greyer
        if role == Qt.ItemDataRole.FontRole and column == Column.DAYS and row.status.overdue:
            return labels.overdue_font()
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.TITLE:
            return row.task.title
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.STATUS:
            return labels.status(row.status)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.DAYS, Column.PROGRESS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: TaskRow, column: int) -> str:
        if column == Column.CODE:
            return row.task.code
        if column == Column.TITLE:
            return row.task.title
        if column == Column.DEADLINE:
            return _dmy(row)
        if column == Column.DAYS:
            return labels.days(row.status)
        if column == Column.PROGRESS:
            return f"{row.latest_progress}%"
        # "Due soon" implies "not done – on time"; the full text is in the tooltip.
        text = labels.due_soon() if row.status.due_soon else labels.category(row.status.category)
        if row.returned:
            text += " · " + labels.report_state(ReportState.RETURNED)
        return text

    @staticmethod
    def _sort_key(row: TaskRow, column: int) -> Any:
        if column == Column.DEADLINE:
            deadline = row.task.deadline
            return deadline.toordinal() if deadline else 10**7
        if column == Column.DAYS:
            days = row.status.days_left
            return days if days is not None else 10**7
        if column == Column.PROGRESS:
            return row.latest_progress
        if column == Column.STATUS:
            return f"{row.status.category.value}:{int(not row.status.due_soon)}"
        if column == Column.CODE:
            return row.task.code
        return row.task.search_key


class TaskFilterProxy(QSortFilterProxyModel):
    """Quick filter plus every search word in the task's folded key.

    Which rows pass is worked out once per change, in one pass over the rows, and
    while the officer types on (every earlier word still inside the new ones) only
    among the rows that matched before; ``filterAcceptsRow``, which Qt calls for
    every row, then only looks the answer up.
    """

    def __init__(self) -> None:
        super().__init__()
        self._terms: list[str] = []
        self._quick = QuickFilter.ALL
        self._matching: list[int] | None = None  # rows whose key has every term
        self._accepted: list[bool] | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(False)  # rows only change by a reset

    @override
    def setSourceModel(self, model: QAbstractItemModel) -> None:
        previous = self.sourceModel()
        if previous is not None:
            previous.modelAboutToBeReset.disconnect(self._forget)
        # Connected before the base class's own handler runs the new filter.
        model.modelAboutToBeReset.connect(self._forget)
        self._forget()
        super().setSourceModel(model)

    @Slot()
    def _forget(self) -> None:
        self._matching = None
        self._accepted = None

    def set_search(self, text: str) -> None:
        terms = search_terms(text)
        if terms != self._terms:
            narrowing = all(any(old in new for new in terms) for old in self._terms)
            self.beginFilterChange()
            if not narrowing:
                self._matching = None
            self._accepted = None
            self._terms = terms
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_quick_filter(self, quick: QuickFilter) -> None:
        if quick is not self._quick:
            self.beginFilterChange()
            self._accepted = None
            self._quick = quick
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @property
    def quick_filter(self) -> QuickFilter:
        return self._quick

    def _decide(self, model: TaskTableModel) -> list[bool]:
        keys, rows, terms = model.search_keys, model.rows, self._terms
        candidates = range(len(keys)) if self._matching is None else self._matching
        self._matching = [i for i in candidates if all(term in keys[i] for term in terms)]
        accepted = [False] * len(keys)
        quick = self._quick
        for i in self._matching:
            accepted[i] = quick is QuickFilter.ALL or quick.accepts(rows[i])
        return accepted

    @override
    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        accepted = self._accepted
        if accepted is None:
            model = self.sourceModel()
            if not isinstance(model, TaskTableModel):
                return True
            accepted = self._accepted = self._decide(model)
        return accepted[source_row]

    def row_at(self, index: QModelIndex) -> TaskRow | None:
        value = index.data(ROW_ROLE)
        return value if isinstance(value, TaskRow) else None
