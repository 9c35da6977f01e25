"""Translated names and colours for the core's enums, shared by every view."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject
from PySide6.QtGui import QColor, QFont

from dxdesk.status import Category, TaskStatus
from dxdesk.store.models import Classification, ReportState, StatusClaim


def _tr(text: object) -> str:
    return QCoreApplication.translate("labels", str(text))


def category(value: Category) -> str:
    names = {
        Category.IN_PROGRESS_ON_TIME: _tr(QT_TRANSLATE_NOOP("labels", "Not done – on time")),
        Category.IN_PROGRESS_OVERDUE: _tr(QT_TRANSLATE_NOOP("labels", "Not done – overdue")),
        Category.DONE_ON_TIME: _tr(QT_TRANSLATE_NOOP("labels", "Done – on time")),
        Category.DONE_LATE: _tr(QT_TRANSLATE_NOOP("labels", "Done – late")),
    }
    return names[value]


def due_soon() -> str:
    return _tr(QT_TRANSLATE_NOOP("labels", "Due soon"))


def status(value: TaskStatus) -> str:
    text = category(value.category)
    return f"{text} · {due_soon()}" if value.due_soon else text


def report_state(value: ReportState) -> str:
    names = {
        ReportState.DRAFT: _tr(QT_TRANSLATE_NOOP("labels", "Draft")),
        ReportState.QUEUED: _tr(QT_TRANSLATE_NOOP("labels", "Waiting to send")),
        ReportState.SENDING: _tr(QT_TRANSLATE_NOOP("labels", "Sending")),
        ReportState.ACCEPTED: _tr(QT_TRANSLATE_NOOP("labels", "Received by server")),
        ReportState.REJECTED: _tr(QT_TRANSLATE_NOOP("labels", "Rejected")),
        ReportState.RETURNED: _tr(QT_TRANSLATE_NOOP("labels", "Returned for revision")),
    }
    return names[value]


def exported_awaiting_receipt() -> str:
    return _tr(QT_TRANSLATE_NOOP("labels", "On a USB stick, awaiting receipt"))


def status_claim(value: StatusClaim) -> str:
    names = {
        StatusClaim.IN_PROGRESS: _tr(QT_TRANSLATE_NOOP("labels", "In progress")),
        StatusClaim.DONE: _tr(QT_TRANSLATE_NOOP("labels", "Done")),
    }
    return names[value]


def classification(value: Classification) -> str:
    names = {
        Classification.NORMAL: _tr(QT_TRANSLATE_NOOP("labels", "Normal")),
        Classification.SECRET: _tr(QT_TRANSLATE_NOOP("labels", "Secret")),
    }
    return names[value]


class Days(QObject):
    """The context of the day counts. lupdate marks a string as a plural only in a
    ``tr`` call (not in ``translate``), and only then can the English catalogue
    (``dxdesk_en.ts``) say "1 day left" and "3 days left". ``Days.tr`` is called on
    the class (the context is its name), which PySide6's stubs do not know."""


def _overdue(count: int) -> str:
    return Days.tr("%n day(s) overdue", "", count)  # type: ignore[arg-type]


def _left(count: int) -> str:
    return Days.tr("%n day(s) left", "", count)  # type: ignore[arg-type]


def day_counts(count: int) -> tuple[str, str]:
    """``count`` days overdue, and ``count`` days left. In the ``tr`` calls the count
    is a plain name: lupdate skips one whose count is dotted or negated."""
    return _overdue(count), _left(count)


def days(value: TaskStatus) -> str:
    if value.days_left is None or value.category.is_done:
        return ""
    count = value.days_left
    return _overdue(-count) if count < 0 else _left(count)


# Background colours readable with black text; the same hue family as the
# official colour coding (green done, red overdue, amber due soon).
_COLOURS = {
    Category.IN_PROGRESS_ON_TIME: "#dbeafe",
    Category.IN_PROGRESS_OVERDUE: "#fecaca",
    Category.DONE_ON_TIME: "#bbf7d0",
    Category.DONE_LATE: "#e9d5ff",
}
DUE_SOON_COLOUR = "#fde68a"
# "quá N ngày": a strong red (7:1 on white) in bold, the one text that must stand out.
OVERDUE_TEXT = "#b91c1c"


def overdue_text_colour() -> QColor:
    return QColor(OVERDUE_TEXT)


def overdue_font() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def colour(value: TaskStatus) -> QColor:
    return QColor(DUE_SOON_COLOUR if value.due_soon else _COLOURS[value.category])


def category_colour(value: Category) -> QColor:
    return QColor(_COLOURS[value])
