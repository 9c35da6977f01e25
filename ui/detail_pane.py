"""The selected task: assigning document, expected output, indicators, and the
history of its reports with their sync state and any reviewer comment."""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget
from sqlmodel import col, select

from dxdesk import clock, tasks
from dxdesk.profile import Profile
from dxdesk.store.models import Report, ReportState, Task
from dxdesk.tasks import ListedRow
from ui import labels
from ui.background_jobs import InlineRunner, Runner
from ui.i18n import follow_language
from ui.numbers import indicator_decimals, number
from ui.tasks_model import progress_tip


@dataclass(frozen=True)
class _Details:
    asked: int
    task: Task | None  # whole: the list holds only the columns it shows
    history: list[Report]


def _details(profile: Profile, task_id: str, asked: int) -> _Details:
    """On a pool thread, in a session of its own."""
    with profile.db.session() as session:
        task = tasks.get(session, task_id)
        query = (
            select(Report).where(Report.task_id == task_id).order_by(col(Report.created_at).desc())
        )
        history = list(session.exec(query))
        session.expunge_all()
    return _Details(asked, task, history)


def _days_html(row: ListedRow, text: str) -> str:
    """ "quá N ngày" stands out here as in the list: bold, strong red."""
    if row.status.overdue:
        return f"<b style='color:{labels.OVERDUE_TEXT};'>{text}</b>"
    return text


def _dmy(value: object) -> str:
    strftime = getattr(value, "strftime", None)
    return strftime("%d/%m/%Y") if strftime is not None else "—"


class DetailPane(QWidget):
    new_report = Signal()
    open_report = Signal(str)  # a draft's id

    def __init__(self, profile: Profile, runner: Runner | None = None) -> None:
        super().__init__()
        self._profile = profile
        self._runner = runner or InlineRunner()
        self._asked = 0  # the newest history read; older answers are dropped
        self._row: ListedRow | None = None
        self._draft_id: str | None = None
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.new_button = QPushButton()
        self.new_button.clicked.connect(self.new_report)
        self.draft_button = QPushButton()
        self.draft_button.clicked.connect(self._open_draft)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.draft_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser, 1)
        layout.addLayout(buttons)
        follow_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.new_button.setText(self.tr("New report (Ctrl+N)"))
        self.draft_button.setText(self.tr("Continue draft"))
        self.show_task(self._row)

    def _open_draft(self) -> None:
        if self._draft_id is not None:
            self.open_report.emit(self._draft_id)

    @property
    def draft_id(self) -> str | None:
        return self._draft_id

    def show_task(self, row: ListedRow | None) -> None:
        self._row = row
        self.new_button.setEnabled(row is not None)
        if row is None:
            self._draft_id = None
            self.draft_button.setVisible(False)
            hint = self.tr("Select a task in the list.")
            self.browser.setHtml(f"<p>{html.escape(hint)}</p>")
            return
        # The task at once, its reports when the background has read them.
        self._draft_id = None
        self.draft_button.setVisible(False)
        self.browser.setHtml(self._html(row, None, None))
        self._asked += 1
        job = partial(_details, self._profile, row.task.id, self._asked)
        self._runner.run(job, self._on_details)

    @Slot(object)
    def _on_details(self, answer: _Details) -> None:
        row = self._row
        if answer.asked != self._asked or row is None:
            return  # another task was selected meanwhile
        drafts = [r for r in answer.history if r.state is ReportState.DRAFT]
        self._draft_id = drafts[0].id if drafts else None
        self.draft_button.setVisible(self._draft_id is not None)
        self.browser.setHtml(self._html(row, answer.task, answer.history))

    def _html(self, row: ListedRow, whole: Task | None, history: list[Report] | None) -> str:
        """``whole``: the task's every field, once read (None meanwhile)."""
        task, e = row.task, html.escape
        colour = labels.colour(row.status).name()
        badge = f"<span style='background:{colour}; color:#111;'>&nbsp;"
        parts = [
            f"<h3>{e(task.code)} — {e(task.title)}</h3>",
            f"<p>{badge}{e(labels.status(row.status))}&nbsp;</span> ",
            _days_html(row, e(labels.days(row.status))) + "</p>",
            "<table cellspacing='2'>",
            self._line(self.tr("Deadline"), _dmy(task.deadline)),
            self._line(self.tr("Progress"), progress_tip(row).replace("\n", "; ")),
        ]
        if whole is not None:
            parts.append(self._whole(whole))
        parts.append("</table>")
        if whole is not None and whole.description:
            parts.append(f"<p>{e(whole.description)}</p>")
        if whole is not None and whole.indicators:
            heading = self.tr("Indicators")
            parts.append(f"<h4>{e(heading)}</h4><ul>")
            for ind in whole.indicators:
                target = ind.get("target")
                shown = (
                    "—"
                    if not isinstance(target, int | float)
                    else number(target, indicator_decimals(ind))
                )
                unit = ind.get("unit", "")
                parts.append(f"<li>{e(str(ind.get('name', '')))}: {e(shown)} {e(unit)}</li>")
            parts.append("</ul>")
        heading = self.tr("Reports")
        parts.append(f"<h4>{e(heading)}</h4>")
        if history is None:
            history = []
            reading = self.tr("Reading…")
            parts.append(f"<p>{e(reading)}</p>")
        elif not history:
            empty = self.tr("No reports yet.")
            parts.append(f"<p>{e(empty)}</p>")
        for report in history:
            when = report.created_at.astimezone(clock.VIETNAM_TZ).strftime("%d/%m/%Y %H:%M")
            state = labels.report_state(report.state)
            parts.append(f"<p><b>{e(when)}</b> · {report.progress}% · <i>{e(state)}</i><br>")
            parts.append(e(report.results[:300] or "—"))
            if report.review_comment:
                comment = self.tr("Reviewer: %1").replace("%1", report.review_comment)
                parts.append(f"<br><span style='color:#9a3412'>{e(comment)}</span>")
            if report.reject_message:
                reason = self.tr("Rejected: %1").replace("%1", report.reject_message)
                parts.append(f"<br><span style='color:#b91c1c'>{e(reason)}</span>")
            parts.append("</p>")
        return "".join(parts)

    def _whole(self, task: Task) -> str:
        """The lines only the whole task has: its assigning document and output."""
        document = " ".join(
            x
            for x in (
                task.doc_number,
                self.tr("of %1").replace("%1", _dmy(task.doc_date)) if task.doc_date else "",
                task.doc_issuer,
            )
            if x
        )
        return self._line(self.tr("Assigning document"), document) + self._line(
            self.tr("Expected output"), task.expected_output or "—"
        )

    @staticmethod
    def _line(name: str, value: str) -> str:
        return f"<tr><td><b>{html.escape(name)}:</b></td><td>{html.escape(value)}</td></tr>"
