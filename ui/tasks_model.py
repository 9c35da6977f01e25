"""The task list: a table model over ``ListedRow``s and the filtered, sorted view of it.

The model is reset when rows are reloaded (after a sync or a saved report); the
view filters on each task's precomputed folded search key and a quick filter, so
typing in the search box never touches the database.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Slot,
)
from typing_extensions import override

from dxdesk.store.models import ReportState
from dxdesk.tasks import ListedRow, TaskRow
from dxdesk.text import Match, best_levels, query_syllables, rank_many, search_terms, syllables
from ui import labels

Index = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the ListedRow itself
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a value that sorts right (dates, numbers)

UNSET = QModelIndex()


NO_RANK = len(Match)  # below every Match: the row is not shown


class QuickFilter(StrEnum):
    ALL = "all"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    RETURNED = "returned"

    def accepts(self, row: ListedRow) -> bool:
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


def counts(rows: list[ListedRow]) -> dict[QuickFilter, int]:
    """What each quick filter would show (as ``QuickFilter.accepts`` decides), in one
    pass: six passes cost 0.4 s at 20,000 tasks."""
    overdue = due_soon = done = returned = 0
    for row in rows:
        status = row.status
        overdue += status.overdue
        due_soon += status.due_soon
        done += status.category.is_done
        returned += row.latest_report_state is ReportState.RETURNED
    return {
        QuickFilter.ALL: len(rows),
        QuickFilter.OVERDUE: overdue,
        QuickFilter.DUE_SOON: due_soon,
        QuickFilter.IN_PROGRESS: len(rows) - done,
        QuickFilter.DONE: done,
        QuickFilter.RETURNED: returned,
    }


class Column:
    CODE, TITLE, DEADLINE, DAYS, PROGRESS, STATUS = range(6)
    COUNT = 6


def _dmy(row: ListedRow) -> str:
    deadline = row.task.deadline
    return deadline.strftime("%d/%m/%Y") if deadline else "—"


def progress_text(row: ListedRow) -> str:
    """The progress the server accepted; a report not sent yet shows apart, after
    an arrow, so a draft's 60% is never read as the task's."""
    accepted = f"{row.accepted_progress}%"
    if row.pending_progress is None:
        return accepted
    return f"{accepted}→{row.pending_progress}%"  # as `dxdesk tasks` prints it


def progress_tip(row: ListedRow) -> str:
    accepted = QCoreApplication.translate("TaskTableModel", "Accepted by the server: %1%")
    text = accepted.replace("%1", str(row.accepted_progress))
    if row.pending_progress is not None and row.pending_state is not None:
        pending = QCoreApplication.translate("TaskTableModel", "Not sent yet (%1): %2%")
        state = labels.report_state(row.pending_state)
        text += "\n" + pending.replace("%1", state).replace("%2", str(row.pending_progress))
    return text


class TaskTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[ListedRow] = []
        self._keys: list[str] = []
        self._syllables: list[str] | None = []  # None: not worked out yet

    @property
    def rows(self) -> list[ListedRow]:
        return self._rows

    @property
    def search_keys(self) -> list[str]:
        """Each row's folded search key, read once per reset (a mapped attribute
        costs a descriptor call, 20,000 of them on every keystroke)."""
        return self._keys

    @property
    def search_syllables(self) -> list[str]:
        """Each key's syllables (``dxdesk.text.syllables``), for ranking a search: as
        given to :meth:`set_rows`, or worked out here the first time a search asks
        (the first screenful at start comes without them)."""
        if self._syllables is None:
            self._syllables = [syllables(key) for key in self._keys]
        return self._syllables

    def set_rows(self, rows: list[ListedRow], spaced: list[str] | None = None) -> None:
        """``spaced``: each row's syllables, when the caller worked them out already
        (off the GUI thread: 0.15-0.3 s at 20,000 tasks)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._keys = [row.task.search_key for row in self._rows]
        self._syllables = spaced
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
        return self.row_data(index.row(), index.column(), role)

    def row_data(self, position: int, column: int, role: int) -> Any:
        row = self._rows[position]
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
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.PROGRESS:
            return progress_tip(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.DAYS, Column.PROGRESS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: ListedRow, column: int) -> str:
        if column == Column.CODE:
            return row.task.code
        if column == Column.TITLE:
            return row.task.title
        if column == Column.DEADLINE:
            return _dmy(row)
        if column == Column.DAYS:
            return labels.days(row.status)
        if column == Column.PROGRESS:
            return progress_text(row)
        # "Due soon" implies "not done – on time"; the full text is in the tooltip.
        text = labels.due_soon() if row.status.due_soon else labels.category(row.status.category)
        if row.returned:
            text += " · " + labels.report_state(ReportState.RETURNED)
        return text

    def sort_keys(self, column: int) -> list[Any]:
        """Each row's key for sorting by ``column``."""
        return [self._sort_key(row, column) for row in self._rows]

    @staticmethod
    def _sort_key(row: ListedRow, column: int) -> Any:
        if column == Column.DEADLINE:
            deadline = row.task.deadline
            return deadline.toordinal() if deadline else 10**7
        if column == Column.DAYS:
            days = row.status.days_left
            return days if days is not None else 10**7
        if column == Column.PROGRESS:
            return row.accepted_progress
        if column == Column.STATUS:
            return f"{row.status.category.value}:{int(not row.status.due_soon)}"
        if column == Column.CODE:
            return row.task.code
        return row.task.search_key


class TaskFilterProxy(QAbstractTableModel):
    """The rows the officer sees: quick filter plus every search word in the task's
    folded key, ranked as the CLI ranks (``dxdesk.tasks.list_tasks``): whole
    syllables in order first, then in any order, then syllable beginnings, each
    group in the chosen column's order; matches inside a syllable only when nothing
    matched better.

    Not a ``QSortFilterProxyModel``: that one sorts through ``lessThan`` or
    ``data()``, a call into Python per comparison, which took seconds at 20,000
    tasks. Here each column's order is one ``list.sort`` per reset or header click,
    and a filter change one pass over the rows: which rows pass is worked out once,
    and while the officer types on (every earlier word still inside the new ones)
    only among the rows that matched before.
    """

    def __init__(self) -> None:
        super().__init__()
        self._source: TaskTableModel | None = None
        self._terms: list[str] = []
        self._quick = QuickFilter.ALL
        self._matching: list[int] | None = None  # rows whose key has every term
        self._column, self._order = -1, Qt.SortOrder.AscendingOrder
        self._sorted: list[int] | None = None  # every source row, in the column's order
        self._shown: list[int] = []  # proxy row → source row
        self._where: list[int] = []  # source row → proxy row, or -1
        self._saved: list[tuple[QModelIndex, int]] = []  # persistent index, its source row

    # -- the source -------------------------------------------------------------

    def setSourceModel(self, model: TaskTableModel) -> None:  # noqa: N802 (Qt's name)
        if self._source is not None:
            self._source.modelAboutToBeReset.disconnect(self._source_about_to_reset)
            self._source.modelReset.disconnect(self._source_reset)
            self._source.layoutAboutToBeChanged.disconnect(self._source_layout_to_change)
            self._source.layoutChanged.disconnect(self._source_layout_changed)
            self._source.dataChanged.disconnect(self._source_data_changed)
            self._source.headerDataChanged.disconnect(self.headerDataChanged)
        self.beginResetModel()
        self._source = model
        model.modelAboutToBeReset.connect(self._source_about_to_reset)
        model.modelReset.connect(self._source_reset)
        model.layoutAboutToBeChanged.connect(self._source_layout_to_change)
        model.layoutChanged.connect(self._source_layout_changed)
        model.dataChanged.connect(self._source_data_changed)
        model.headerDataChanged.connect(self.headerDataChanged)
        self._matching, self._sorted = None, None
        self._refilter()
        self.endResetModel()

    def sourceModel(self) -> TaskTableModel | None:  # noqa: N802 (Qt's name)
        return self._source

    @Slot()
    def _source_about_to_reset(self) -> None:
        self.beginResetModel()

    @Slot()
    def _source_reset(self) -> None:
        self._matching, self._sorted = None, None
        self._refilter()
        self.endResetModel()

    @Slot()
    def _source_layout_to_change(self) -> None:
        self._begin_layout()

    @Slot()
    def _source_layout_changed(self) -> None:
        # The rows are the same ones (only their texts changed, e.g. the language).
        self._sorted = None
        self._end_layout()

    @Slot(QModelIndex, QModelIndex)
    def _source_data_changed(self, _top_left: QModelIndex, _bottom_right: QModelIndex) -> None:
        if self._shown:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._shown) - 1, Column.COUNT - 1)
            )

    # -- the rows shown -----------------------------------------------------------

    def invalidate(self) -> None:
        """Work out the rows again (after the source's rows changed in place)."""
        self._begin_layout()
        self._matching, self._sorted = None, None
        self._end_layout()

    def _begin_layout(self) -> None:
        self.layoutAboutToBeChanged.emit()
        # Persistent indexes (the selection, the current row) follow their task.
        self._saved = [
            (index, self._shown[index.row()])
            for index in self.persistentIndexList()
            if 0 <= index.row() < len(self._shown)
        ]

    def _end_layout(self) -> None:
        self._refilter()
        old = [saved for saved, _ in self._saved]
        new = [
            self.index(self._where[source], saved.column())
            if source < len(self._where) and self._where[source] >= 0
            else QModelIndex()
            for saved, source in self._saved
        ]
        self._saved = []
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _refilter(self) -> None:
        model = self._source
        if model is None:
            self._shown, self._where = [], []
            return
        keys, rows, terms = model.search_keys, model.rows, self._terms
        matching = list(range(len(keys))) if self._matching is None else self._matching
        for term in terms:  # one comprehension per term: no generator per row
            matching = [i for i in matching if term in keys[i]]
        self._matching = matching
        # Each row's rank, or NO_RANK: a list indexed by row is cheaper than a dict.
        level = [NO_RANK] * len(keys)
        if terms:
            found = rank_many(
                keys, model.search_syllables, matching, query_syllables(" ".join(terms))
            )
            for match, group in best_levels(found).items():
                for i in group:
                    level[i] = match
        else:
            for i in matching:
                level[i] = Match.PHRASE
        quick = self._quick
        if quick is QuickFilter.ALL:
            shown = [i for i in self._order_of(model) if level[i] != NO_RANK]
        else:
            shown = [
                i for i in self._order_of(model) if level[i] != NO_RANK and quick.accepts(rows[i])
            ]
        if terms:  # stable: the column's order within each rank
            shown.sort(key=level.__getitem__)
        self._shown = shown
        self._where = [-1] * len(keys)
        for position, source in enumerate(shown):
            self._where[source] = position

    def _order_of(self, model: TaskTableModel) -> list[int]:
        if self._sorted is None:
            everything = range(len(model.rows))
            if self._column < 0:
                self._sorted = list(everything)
            else:
                keys = model.sort_keys(self._column)
                descending = self._order is Qt.SortOrder.DescendingOrder
                self._sorted = sorted(everything, key=keys.__getitem__, reverse=descending)
        return self._sorted

    def set_search(self, text: str) -> None:
        terms = search_terms(text)
        if terms != self._terms:
            narrowing = all(any(old in new for new in terms) for old in self._terms)
            self._begin_layout()
            if not narrowing:
                self._matching = None
            self._terms = terms
            self._end_layout()

    def set_quick_filter(self, quick: QuickFilter) -> None:
        if quick is not self._quick:
            self._begin_layout()
            self._quick = quick
            self._end_layout()

    @property
    def quick_filter(self) -> QuickFilter:
        return self._quick

    @override
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._begin_layout()
        self._column, self._order, self._sorted = column, order, None
        self._end_layout()

    # -- the table ----------------------------------------------------------------

    @override
    def rowCount(self, parent: Index = UNSET) -> int:
        return 0 if parent.isValid() else len(self._shown)

    @override
    def columnCount(self, parent: Index = UNSET) -> int:
        return 0 if parent.isValid() else Column.COUNT

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self._source is None:
            return None
        return self._source.headerData(section, orientation, role)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        source = self._source
        if source is None or not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        return source.row_data(self._shown[index.row()], index.column(), role)

    def row_at(self, index: QModelIndex) -> ListedRow | None:
        value = index.data(ROW_ROLE)
        return value if isinstance(value, TaskRow) else None
