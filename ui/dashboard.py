"""A picture read at a glance: counts per official category, what is overdue and
due soon, and a progress chart drawn with QPainter (Essentials has no QtCharts)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from dxdesk.messages import Message
from dxdesk.status import Category
from dxdesk.tasks import ListedRow
from ui import labels, numbers
from ui.i18n import follow_language, language

BUCKETS = ((0, 24), (25, 49), (50, 74), (75, 99), (100, 100))


def progress_buckets(rows: list[ListedRow]) -> list[tuple[int, int]]:
    """How many open and done tasks fall in each progress band."""
    out = []
    for low, high in BUCKETS:
        # The server's accepted figure, as the task list shows it; not a draft's.
        inside = [r for r in rows if low <= r.accepted_progress <= high]
        done = sum(1 for r in inside if r.status.category.is_done)
        out.append((len(inside) - done, done))
    return out


class ProgressChart(QWidget):
    """Horizontal bars: tasks per progress band, open (blue) and done (green)."""

    def __init__(self) -> None:
        super().__init__()
        self._buckets: list[tuple[int, int]] = [(0, 0)] * len(BUCKETS)
        self.setMinimumHeight(150)  # five bars and the legend; the lists need the rest
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    @override
    def sizeHint(self) -> QSize:
        return QSize(420, 156)

    def set_rows(self, rows: list[ListedRow]) -> None:
        self._buckets = progress_buckets(rows)
        self.update()

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        label_w = metrics.horizontalAdvance("75–99 %") + 12
        count_w = metrics.horizontalAdvance("00000") + 8
        line = max(metrics.height() + 8, 24)
        legend_h = metrics.height() + 8
        width = max(10, self.width() - label_w - count_w - 8)
        biggest = max((o + d for o, d in self._buckets), default=0) or 1
        open_colour, done_colour = QColor("#3b82f6"), QColor("#16a34a")
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        middle = Qt.AlignmentFlag.AlignVCenter
        bands = zip(BUCKETS, self._buckets, strict=True)
        for i, ((low, high), (open_n, done_n)) in enumerate(bands):
            y = 4 + i * line
            painter.setPen(text_colour)
            name = f"{low}–{high} %" if low != high else f"{high} %"
            painter.drawText(QRectF(0, y, label_w - 6, line - 6), right, name)
            x = float(label_w)
            for count, colour in ((open_n, open_colour), (done_n, done_colour)):
                w = width * count / biggest
                painter.fillRect(QRectF(x, y + 2, w, line - 10), colour)
                x += w
            painter.setPen(text_colour)
            painter.drawText(
                QRectF(x + 4, y, count_w, line - 6), middle, numbers.count(open_n + done_n)
            )
        y = 4 + len(BUCKETS) * line + 2
        x = float(label_w)
        for text, colour in ((self.tr("Not done"), open_colour), (self.tr("Done"), done_colour)):
            painter.fillRect(QRectF(x, y + 3, 12, 12), colour)
            painter.setPen(text_colour)
            painter.drawText(QRectF(x + 16, y, 200, legend_h), middle, text)
            x += 24 + metrics.horizontalAdvance(text)
        painter.end()


class CategoryTile(QFrame):
    def __init__(self, category: Category) -> None:
        super().__init__()
        self.category = category
        self.setFrameShape(QFrame.Shape.StyledPanel)
        colour = labels.category_colour(category).name()
        self.setStyleSheet(
            f"CategoryTile {{ background: {colour}; border-radius: 6px; }} "
            "QLabel { color: #111; }"
        )
        self.number = QLabel("0")
        font = self.number.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        self.number.setFont(font)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.number)
        layout.addWidget(self.caption)

    def retranslate(self) -> None:
        self.caption.setText(labels.category(self.category))


CODE_ROLE = Qt.ItemDataRole.UserRole + 1  # a list item's task code


class Dashboard(QWidget):
    open_task = Signal(str)  # a task code, from the overdue or due-soon list

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[ListedRow] = []
        self.tiles = {c: CategoryTile(c) for c in Category}
        tiles = QGridLayout()
        for i, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, 0, i)
        self.chart = ProgressChart()
        self.chart_box = QGroupBox()
        self.chart_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        QVBoxLayout(self.chart_box).addWidget(self.chart)
        self.overdue = QListWidget()
        self.due_soon = QListWidget()
        self.overdue_box, self.due_soon_box = QGroupBox(), QGroupBox()
        QVBoxLayout(self.overdue_box).addWidget(self.overdue)
        QVBoxLayout(self.due_soon_box).addWidget(self.due_soon)
        for widget in (self.overdue, self.due_soon):
            # Double-click or Enter: the task itself, not a dead end.
            widget.itemActivated.connect(self._activated)
        lists = QHBoxLayout()
        lists.addWidget(self.overdue_box)
        lists.addWidget(self.due_soon_box)
        layout = QVBoxLayout(self)
        layout.addLayout(tiles)
        layout.addWidget(self.chart_box)
        layout.addLayout(lists, 1)
        follow_language(self, self.retranslate)

    def retranslate(self) -> None:
        for tile in self.tiles.values():
            tile.retranslate()
        self.chart_box.setTitle(self.tr("Tasks by progress"))
        hint = Message("open_task_hint").text(language())
        self.overdue.setToolTip(hint)
        self.due_soon.setToolTip(hint)
        self.set_rows(self._rows)

    def _activated(self, item: QListWidgetItem) -> None:
        code = item.data(CODE_ROLE)
        if isinstance(code, str):
            self.open_task.emit(code)

    def set_rows(self, rows: list[ListedRow]) -> None:
        self._rows = rows
        for category, tile in self.tiles.items():
            tile.number.setText(
                numbers.count(sum(1 for r in rows if r.status.category is category))
            )
        overdue = [r for r in rows if r.status.overdue]
        soon = [r for r in rows if r.status.due_soon]
        self.overdue_box.setTitle(
            self.tr("Overdue (%1)").replace("%1", numbers.count(len(overdue)))
        )
        self.due_soon_box.setTitle(self.tr("Due soon (%1)").replace("%1", numbers.count(len(soon))))
        for widget, chosen in ((self.overdue, overdue), (self.due_soon, soon)):
            widget.clear()
            for row in chosen[:200]:
                item = QListWidgetItem(
                    f"{row.task.code} · {labels.days(row.status)} · {row.task.title}"
                )
                item.setData(CODE_ROLE, row.task.code)
                if row.status.overdue:  # the one text that must stand out, as in the list
                    item.setForeground(labels.overdue_text_colour())
                    item.setFont(labels.overdue_font())
                widget.addItem(item)
        self.chart.set_rows(rows)
