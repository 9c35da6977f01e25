"""The outbox: every report not yet accepted (and, optionally, accepted ones) with
its state, the server's reason for a rejection or the reviewer's comment."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from dxdesk import clock
from dxdesk.reports import OutboxItem
from dxdesk.store.models import Classification, ReportState
from ui import labels
from ui.i18n import follow_language, language, texts_changed
from ui.numbers import count

Index = QModelIndex | QPersistentModelIndex
TASK_WITHDRAWN = "task_withdrawn"  # the server's code for a report on a withdrawn task
UNSET = QModelIndex()
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1

_STATE_COLOURS = {
    ReportState.DRAFT: "#e5e7eb",
    ReportState.QUEUED: "#dbeafe",
    ReportState.SENDING: "#fde68a",
    ReportState.ACCEPTED: "#bbf7d0",
    ReportState.REJECTED: "#fecaca",
    ReportState.RETURNED: "#fed7aa",
}


class OutboxModel(QAbstractTableModel):
    COLUMNS = (
        QT_TRANSLATE_NOOP("OutboxModel", "Task"),
        QT_TRANSLATE_NOOP("OutboxModel", "Written"),
        QT_TRANSLATE_NOOP("OutboxModel", "Progress"),
        QT_TRANSLATE_NOOP("OutboxModel", "State"),
        QT_TRANSLATE_NOOP("OutboxModel", "Note"),
    )

    def __init__(self) -> None:
        super().__init__()
        self._items: list[OutboxItem] = []

    @property
    def items(self) -> list[OutboxItem]:
        return self._items

    def set_items(self, items: list[OutboxItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    @override
    def rowCount(self, parent: Index = UNSET) -> int:
        return 0 if parent.isValid() else len(self._items)

    @override
    def columnCount(self, parent: Index = UNSET) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        return QCoreApplication.translate("OutboxModel", str(self.COLUMNS[section]))

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        report = item.report
        column = index.column()
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.BackgroundRole and column == 3:
            return QColor(_STATE_COLOURS[report.state])
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                named = f"{item.task_code} — {item.task_title}"
                if item.task_removal is None:
                    return named
                # Withdrawn or moved away: the mark first, where a long title's
                # elision cannot cut it off; why, in the note (and the tooltip).
                if role == Qt.ItemDataRole.ToolTipRole:
                    return f"{named} ⊘ {item.task_removal.text(language())}"
                return f"⊘ {named}"
            if column == 1:
                local = report.created_at.astimezone(clock.VIETNAM_TZ)
                return local.strftime("%d/%m/%Y %H:%M")
            if column == 2:
                return f"{report.progress}%"
            if column == 3:
                if report.awaiting_receipt and report.state is ReportState.QUEUED:
                    return labels.exported_awaiting_receipt()
                return labels.report_state(report.state)
            return self._note(item)
        return None

    @classmethod
    def _note(cls, item: OutboxItem) -> str:
        if item.task_removal is None:
            return cls._report_note(item)
        removal = f"⊘ {item.task_removal.text(language())}"
        if item.report.reject_code == TASK_WITHDRAWN:
            return removal  # what the server refused it for: not again in its English
        return f"{removal} — {cls._report_note(item)}"

    @staticmethod
    def _report_note(item: OutboxItem) -> str:
        report = item.report
        if report.state is ReportState.REJECTED:
            return QCoreApplication.translate("OutboxModel", "Rejected: %1").replace(
                "%1", report.reject_message or report.reject_code or ""
            )
        if report.state is ReportState.RETURNED:
            comment = report.review_comment or ""
            return QCoreApplication.translate("OutboxModel", "Reviewer: %1").replace("%1", comment)
        if report.classification is Classification.SECRET:
            return QCoreApplication.translate("OutboxModel", "(classified)")
        return report.results[:120]


class OutboxView(QWidget):
    retry = Signal()
    open_draft = Signal(str)
    correct = Signal(str)
    show_accepted_changed = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self.model = OutboxModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((340, 130, 70, 160)):
            header.resizeSection(column, width)
        self.table.setWordWrap(False)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._activated)
        self.summary = QLabel()
        self.show_accepted = QCheckBox()
        self.show_accepted.toggled.connect(self.show_accepted_changed)
        self.retry_button = QPushButton()
        self.retry_button.clicked.connect(self.retry)
        self.open_button = QPushButton()
        self.open_button.clicked.connect(self._open_clicked)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.show_accepted)
        row.addWidget(self.open_button)
        row.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        follow_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.show_accepted.setText(self.tr("Show accepted"))
        self.retry_button.setText(self.tr("Send now"))
        self.open_button.setText(self.tr("Open / correct"))
        self.open_button.setToolTip(
            self.tr("Continue a draft, or write a correction of a rejected or returned report")
        )
        texts_changed(self.model)  # states and notes are translated too
        self._summarise()

    def set_items(self, items: list[OutboxItem]) -> None:
        self.model.set_items(items)
        self._summarise()

    def _summarise(self) -> None:
        items = self.model.items
        pending = (ReportState.QUEUED, ReportState.SENDING)
        waiting = sum(1 for i in items if i.report.state in pending)
        drafts = sum(1 for i in items if i.report.state is ReportState.DRAFT)
        problems = sum(
            1 for i in items if i.report.state in (ReportState.REJECTED, ReportState.RETURNED)
        )
        # "Label: number" needs no plural, in English ("1 drafts") or elsewhere.
        self.summary.setText(
            self.tr("Waiting to send: %1 · Drafts: %2 · Need attention: %3")
            .replace("%1", count(waiting))
            .replace("%2", count(drafts))
            .replace("%3", count(problems))
        )

    @Slot(QModelIndex)
    def _activated(self, index: QModelIndex) -> None:
        item = index.data(ITEM_ROLE)
        if isinstance(item, OutboxItem):
            self._open(item)

    @Slot()
    def _open_clicked(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._activated(index.siblingAtColumn(0))

    def _open(self, item: OutboxItem) -> None:
        state = item.report.state
        if state is ReportState.DRAFT:
            self.open_draft.emit(item.report.id)
        elif state in (ReportState.REJECTED, ReportState.RETURNED):
            self.correct.emit(item.report.id)
