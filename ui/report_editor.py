"""Writing one progress report: a draft autosaved every few seconds and on every
focus change, inline validation, attachments by file dialog or drag and drop, and
"finalize and queue" which makes it immutable.

Saving, attaching (a copy, encrypted, of up to 20 MB from a slow USB stick) and
finalizing run on the app's background runner, one after another in the order
asked (``SerialRunner``), each job with its own store session; only closing saves
synchronously, since the store may close right after.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from dxdesk import clock, reports
from dxdesk.errors import DxdeskError, ValidationError
from dxdesk.messages import Message
from dxdesk.profile import Profile
from dxdesk.store.models import Classification, Report, StatusClaim, Task, new_id
from dxdesk.validation import contradictions
from ui import file_dialogs, labels, numbers
from ui.background_jobs import InlineRunner, Runner, SerialRunner
from ui.i18n import follow_language, language
from ui.numbers import indicator_decimals
from ui.screen_fit import keep_fitted

log = logging.getLogger(__name__)

AUTOSAVE_MS = 3000
FIELDS = ("progress", "status", "results", "difficulties", "proposals", "classification")
ERROR_STYLE = "color: #b91c1c;"
CLOSE_WAIT_S = 120.0  # a 20 MB copy from a slow stick, at worst, before closing

AttachmentLine = tuple[str, str, int]  # id, file name, size


@dataclass(frozen=True)
class OpenedReport:
    """A stored report as the editor shows it, read off the GUI thread."""

    task: Task | None
    report: Report
    attachments: list[AttachmentLine]


def read_report(profile: Profile, report_id: str) -> OpenedReport:
    with profile.db.session() as session:
        report = reports.get_report(session, report_id)
        task = session.get(Task, report.task_id)
        lines = [(a.id, a.file_name, a.size) for a in reports.attachments_of(session, report_id)]
        session.expunge_all()
    return OpenedReport(task, report, lines)


def start_correction(profile: Profile, report_id: str) -> OpenedReport:
    with profile.db.session() as session:
        draft = reports.start_correction(
            session, report_id, profile.author, store=profile.attachments
        )
    return read_report(profile, draft.id)


# The jobs below run on a pool thread, each in its own session (never one shared
# with the GUI thread); they are given values, not widgets.


def _store(profile: Profile, task_code: str, draft_id: str, content: reports.ReportContent) -> str:
    with profile.db.session() as session:
        reports.store_draft(session, task_code, draft_id, content, profile.author)
    return draft_id


@dataclass(frozen=True)
class _Attached:
    lines: list[AttachmentLine]
    issues: list[Message]


def _attach(profile: Profile, draft_id: str, paths: list[Path]) -> _Attached | None:
    issues: list[Message] = []
    with profile.db.session() as session:
        if session.get(Report, draft_id) is None:
            return None  # its save was refused, and said why
        for path in paths:
            try:
                reports.attach(session, profile.attachments, draft_id, path, profile.limits)
            except ValidationError as exc:
                issues.extend(exc.issues)
        rows = reports.attachments_of(session, draft_id)
        return _Attached([(a.id, a.file_name, a.size) for a in rows], issues)


def _detach(profile: Profile, draft_id: str, attachment_id: str) -> list[AttachmentLine]:
    with profile.db.session() as session:
        reports.detach(session, draft_id, attachment_id)
        return [(a.id, a.file_name, a.size) for a in reports.attachments_of(session, draft_id)]


def _finalize(
    profile: Profile, task_code: str, draft_id: str, content: reports.ReportContent
) -> str:
    """Exactly what is on screen is stored, then finalized."""
    with profile.db.session() as session:
        reports.store_draft(session, task_code, draft_id, content, profile.author)
        reports.finalize(session, profile.attachments, draft_id)
    return draft_id


class ReportEditor(QDialog):
    saved = Signal(str)  # report id, after every successful save
    finalized = Signal(str)

    def __init__(
        self,
        profile: Profile,
        task: Task,
        report_id: str | None = None,
        parent: QWidget | None = None,
        autosave_ms: int = AUTOSAVE_MS,
        runner: Runner | None = None,
        opened: OpenedReport | None = None,
    ) -> None:
        super().__init__(parent)
        self._profile = profile
        self._task = task
        self.report_id = report_id  # set once the draft is stored
        self._draft_id = report_id or new_id()  # the id its first save stores it under
        self._jobs = SerialRunner(runner or InlineRunner())
        self._busy_note: str | None = None
        self._dirty = False
        # Vietnam time, like every time the app shows (the PC's zone may be unset).
        self._saved_at: dt.datetime | None = None
        self.question: QMessageBox | None = None  # the confirmation open now, if any
        self._shown: tuple[list[Message], DxdeskError | None] = ([], None)
        self.setAcceptDrops(True)
        # The form scrolls: the editor fits a netbook's 1024×540 (ui.screen_fit).
        self.setMinimumWidth(600)
        self._build()
        if report_id is not None:
            self._show_opened(opened or read_report(profile, report_id))
        self._autosave = QTimer(self)
        self._autosave.setInterval(autosave_ms)
        self._autosave.timeout.connect(self.save_now)
        self._autosave.start()
        self._focus_connected = False
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
            self._focus_connected = True
        follow_language(self, self.retranslate)
        self.resize(720, 680)
        keep_fitted(self)
        self.spin.setFocus(Qt.FocusReason.OtherFocusReason)  # type the progress first
        self._dirty = False
        # What an untouched new report holds: closed like this, it leaves no draft.
        self._untouched = self.content() if report_id is None else None

    # -- layout -----------------------------------------------------------------

    def _build(self) -> None:  # noqa: PLR0915 (one form, built top to bottom)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        # The style draws no focus on a slider: a keyboard user would not see it.
        self.slider.setStyleSheet(
            "QSlider:focus { border: 2px solid palette(highlight); border-radius: 3px; }"
        )
        self.spin = QSpinBox()
        self.spin.setRange(0, 100)
        self.spin.setSuffix(" %")
        self.slider.valueChanged.connect(self.spin.setValue)
        self.spin.valueChanged.connect(self.slider.setValue)
        self.spin.valueChanged.connect(self._changed)
        self.status = QComboBox()
        for claim in StatusClaim:
            self.status.addItem("", claim.value)
        self.status.currentIndexChanged.connect(self._changed)
        self.results = QPlainTextEdit()
        self.difficulties = QPlainTextEdit()
        self.proposals = QPlainTextEdit()
        for box in (self.results, self.difficulties, self.proposals):
            box.setTabChangesFocus(True)
            box.setMinimumHeight(64)
            box.setMaximumHeight(110)  # the whole form fits a 768-pixel screen
            box.textChanged.connect(self._changed)
        self.classification = QComboBox()
        for level in Classification:
            self.classification.addItem("", level.value)
        self.classification.currentIndexChanged.connect(self._changed)
        self.indicators: dict[str, QDoubleSpinBox] = {}
        for indicator in self._task.indicators:
            number = QDoubleSpinBox()
            number.setRange(0, 10**9)
            # A count ("hồ sơ") takes whole numbers only: "900", never "900.00".
            number.setDecimals(indicator_decimals(indicator))
            number.setGroupSeparatorShown(True)
            number.setSuffix(f" {indicator.get('unit', '')}".rstrip())
            number.valueChanged.connect(self._changed)
            self.indicators[str(indicator.get("code", ""))] = number
        self.attachments = QListWidget()
        self.attachments.setMaximumHeight(90)
        self.add_button = QPushButton()
        self.add_button.setAutoDefault(False)  # Enter in a field must not open a file dialog
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button = QPushButton()
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_selected)
        self.errors: dict[str, QLabel] = {}
        for name in (*FIELDS, "attachments"):
            label = QLabel()
            label.setStyleSheet(ERROR_STYLE)
            label.setWordWrap(True)
            label.hide()
            self.errors[name] = label

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.slider, 1)
        progress_row.addWidget(self.spin)
        self.progress_label, self.status_label = QLabel(), QLabel()
        self.results_label, self.difficulties_label = QLabel(), QLabel()
        self.proposals_label, self.classification_label = QLabel(), QLabel()
        self.attachments_label = QLabel()
        form.addRow(self.progress_label, self._with_error(progress_row, "progress"))
        form.addRow(self.status_label, self._with_error(self.status, "status"))
        form.addRow(self.results_label, self._with_error(self.results, "results"))
        form.addRow(self.difficulties_label, self._with_error(self.difficulties, "difficulties"))
        form.addRow(self.proposals_label, self._with_error(self.proposals, "proposals"))
        for indicator in self._task.indicators:
            caption = QLabel(str(indicator.get("name", indicator.get("code", ""))))
            caption.setWordWrap(True)
            form.addRow(caption, self.indicators[str(indicator.get("code", ""))])
        attach_buttons = QVBoxLayout()
        attach_buttons.addWidget(self.add_button)
        attach_buttons.addWidget(self.remove_button)
        attach_buttons.addStretch(1)
        attach_row = QHBoxLayout()
        attach_row.addWidget(self.attachments, 1)
        attach_row.addLayout(attach_buttons)
        form.addRow(self.attachments_label, self._with_error(attach_row, "attachments"))
        form.addRow(
            self.classification_label, self._with_error(self.classification, "classification")
        )
        body = QWidget()
        body.setLayout(form)
        self.form_body = body
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        self.saved_label = QLabel()
        self.saved_label.setObjectName("savedLabel")
        self.general_error = QLabel()
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        self.finalize_button = QPushButton()
        self.finalize_button.setDefault(False)
        self.finalize_button.setAutoDefault(False)
        self.finalize_button.clicked.connect(self.ask_finalize)
        self.discard_button = QPushButton()
        self.discard_button.setAutoDefault(False)
        self.discard_button.clicked.connect(self.ask_discard)
        self.close_button = QPushButton()
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.saved_label, 1)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.finalize_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)

        self.setTabOrder(self.slider, self.spin)
        self.setTabOrder(self.spin, self.status)
        self.setTabOrder(self.status, self.results)
        self.setTabOrder(self.results, self.difficulties)
        self.setTabOrder(self.difficulties, self.proposals)

    def _with_error(self, item: QWidget | QHBoxLayout, name: str) -> QWidget:
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        if isinstance(item, QWidget):
            column.addWidget(item)
        else:
            column.addLayout(item)
        column.addWidget(self.errors[name])
        return holder

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Progress report"))
        self.heading.setText(f"{self._task.code} — {self._task.title}")
        self.progress_label.setText(self.tr("&Progress"))
        self.progress_label.setBuddy(self.slider)
        self.status_label.setText(self.tr("&Status"))
        self.status_label.setBuddy(self.status)
        self.results_label.setText(self.tr("&Results achieved"))
        self.results_label.setBuddy(self.results)
        self.difficulties_label.setText(self.tr("&Difficulties"))
        self.difficulties_label.setBuddy(self.difficulties)
        self.proposals_label.setText(self.tr("Pr&oposals"))
        self.proposals_label.setBuddy(self.proposals)
        self.attachments_label.setText(self.tr("Attachments"))
        self.classification_label.setText(self.tr("C&lassification"))
        self.classification_label.setBuddy(self.classification)
        for box in self.indicators.values():
            box.setLocale(numbers.locale())  # 1.234,5 in Vietnamese
        for i in range(self.status.count()):
            self.status.setItemText(i, labels.status_claim(StatusClaim(self.status.itemData(i))))
        for i in range(self.classification.count()):
            level = Classification(self.classification.itemData(i))
            self.classification.setItemText(i, labels.classification(level))
        self.results.setPlaceholderText(self.tr("What was done since the last report"))
        self.add_button.setText(self.tr("&Add file…"))
        self.remove_button.setText(self.tr("Remove"))
        self.attachments.setToolTip(self.tr("Drop files here to attach them"))
        self.finalize_button.setText(self.tr("&Finalize and queue for sending"))
        self.discard_button.setText(self.tr("Discard draft"))
        self.close_button.setText(self.tr("Close (keep draft)"))
        self._show_saved()
        self._show_issues(*self._shown)

    # -- content ----------------------------------------------------------------

    def _show_opened(self, opened: OpenedReport) -> None:
        self._fill(opened.report)
        self._saved_at = opened.report.updated_at.astimezone(clock.VIETNAM_TZ)
        self._show_attachments(opened.attachments)

    def _fill(self, report: Report) -> None:
        self.spin.setValue(report.progress)
        self.status.setCurrentIndex(self.status.findData(report.status_claim.value))
        self.results.setPlainText(report.results)
        self.difficulties.setPlainText(report.difficulties)
        self.proposals.setPlainText(report.proposals)
        self.classification.setCurrentIndex(
            self.classification.findData(report.classification.value)
        )
        for code, box in self.indicators.items():
            value = report.indicator_values.get(code)
            if isinstance(value, int | float):
                box.setValue(float(value))

    def set_initial_progress(self, value: int) -> None:
        self.spin.setValue(value)
        self._dirty = False
        if self._untouched is not None:
            self._untouched = self.content()

    def content(self) -> reports.ReportContent:
        return reports.ReportContent(
            progress=self.spin.value(),
            status_claim=self.status.currentData(),
            results=self.results.toPlainText(),
            difficulties=self.difficulties.toPlainText(),
            proposals=self.proposals.toPlainText(),
            indicator_values={code: box.value() for code, box in self.indicators.items()},
            classification=self.classification.currentData(),
        )

    @property
    def dirty(self) -> bool:
        return self._dirty

    @Slot()
    def _changed(self) -> None:
        self._dirty = True

    @Slot(QWidget, QWidget)
    def _on_focus_changed(self, old: QWidget | None, _new: QWidget | None) -> None:
        if old is not None and self.isAncestorOf(old):
            self.save_now()

    # -- saving -----------------------------------------------------------------

    @Slot()
    def save_now(self) -> None:
        """Store the draft, in the background, if anything changed since."""
        if not self._dirty:
            return
        self._dirty = False  # what changes from now on is saved the next time
        job = partial(_store, self._profile, self._task.code, self._draft_id, self.content())
        self._jobs.run(job, self._on_saved, self._on_save_failed)

    def save_and_wait(self) -> None:
        """Store the draft now and wait until it is stored (before an update)."""
        self.save_now()
        self._jobs.settle(CLOSE_WAIT_S)

    @property
    def busy(self) -> bool:
        """Work asked of the background is not done yet."""
        return self._jobs.busy

    def _save_before_closing(self) -> None:
        """Synchronously: closing may be followed at once by the store closing (lock,
        switch user, exit), so what is on screen must be stored when close returns.
        Jobs asked earlier finish first, in order."""
        if not self._jobs.settle(CLOSE_WAIT_S):
            log.error("a report job still runs after %.0f s; saving the draft anyway", CLOSE_WAIT_S)
        if not self._dirty:
            return
        self._dirty = False
        try:
            saved = _store(self._profile, self._task.code, self._draft_id, self.content())
        except Exception as exc:  # said in the editor; the text stays on screen
            self._on_save_failed(exc)
        else:
            self._on_saved(saved)

    @Slot(object)
    def _on_saved(self, report_id: str) -> None:
        self.report_id = report_id
        self._saved_at = dt.datetime.now(clock.VIETNAM_TZ)
        self._show_issues([])
        self._show_saved()
        self.saved.emit(report_id)

    @Slot(object)
    def _on_save_failed(self, error: BaseException) -> None:
        self._dirty = True  # still on screen; saved again at the next chance
        self._say_error(error)

    def _say_error(self, error: BaseException) -> None:
        if isinstance(error, ValidationError):
            self._show_issues(error.issues)
        elif isinstance(error, DxdeskError):
            self._show_issues([])
            self.general_error.setText(error.render(language()))
            self.general_error.show()
        else:
            raise error  # the crash handler shows and logs it

    def _set_busy(self, note: str | None) -> None:
        """While an attachment is copied or the report finalized: its buttons wait,
        and a note says what is going on."""
        self._busy_note = note
        for button in (self.add_button, self.remove_button, self.finalize_button,
                       self.discard_button):  # fmt: skip
            button.setEnabled(note is None)
        self._show_saved()

    def _show_saved(self) -> None:
        if self._busy_note is not None:
            self.saved_label.setText(self._busy_note)
        elif self._saved_at is None:
            self.saved_label.setText(self.tr("Not saved yet"))
        else:
            when = self._saved_at.strftime("%H:%M")
            self.saved_label.setText(self.tr("Saved at %1").replace("%1", when))

    def _show_issues(self, issues: list[Message], failure: DxdeskError | None = None) -> None:
        self._shown = (issues, failure)  # said again in a new language (retranslate)
        lang = language()
        by_field: dict[str, list[str]] = {}
        general: list[str] = []
        for issue in issues:
            if issue.field in self.errors:
                by_field.setdefault(issue.field, []).append(issue.text(lang))
            else:
                general.append(issue.text(lang))
        for name, label in self.errors.items():
            texts = by_field.get(name)
            label.setText(" ".join(texts) if texts else "")
            label.setVisible(bool(texts))
        if failure is not None:
            general.append(failure.render(lang))
        self.general_error.setText(" ".join(general))
        self.general_error.setVisible(bool(general))

    # -- attachments --------------------------------------------------------------

    @Slot()
    def choose_files(self) -> None:
        names = file_dialogs.open_files(
            self,
            self.tr("Attach files"),
            str(Path.home()),
            self.tr("Documents and images (%1)").replace(
                "%1", " ".join(f"*.{e}" for e in self._profile.limits.allowed_extensions)
            ),
        )
        self.add_files([Path(name) for name in names])

    def add_files(self, paths: list[Path]) -> None:
        if not paths:
            return
        self._dirty = True  # the draft is stored first, to attach to
        self.save_now()
        self._set_busy(self.tr("Adding files…"))
        job = partial(_attach, self._profile, self._draft_id, paths)
        self._jobs.run(job, self._on_attached, self._on_job_failed)

    @Slot(object)
    def _on_attached(self, attached: _Attached | None) -> None:
        self._set_busy(None)
        if attached is not None:
            self._show_attachments(attached.lines)
            self._show_issues(attached.issues)

    @Slot(object)
    def _on_job_failed(self, error: BaseException) -> None:
        self._set_busy(None)
        self._say_error(error)

    @Slot()
    def remove_selected(self) -> None:
        item = self.attachments.currentItem()
        if item is None or self.report_id is None:
            return
        attachment_id = str(item.data(Qt.ItemDataRole.UserRole))
        self._set_busy(self.tr("Removing the file…"))
        job = partial(_detach, self._profile, self._draft_id, attachment_id)
        self._jobs.run(job, self._on_detached, self._on_job_failed)

    @Slot(object)
    def _on_detached(self, lines: list[AttachmentLine]) -> None:
        self._set_busy(None)
        self._show_attachments(lines)

    def _show_attachments(self, rows: list[tuple[str, str, int]]) -> None:
        self.attachments.clear()
        for attachment_id, name, size in rows:
            item = QListWidgetItem(f"{name}  ({numbers.count(max(1, size // 1024))} KB)")
            item.setData(Qt.ItemDataRole.UserRole, attachment_id)
            self.attachments.addItem(item)

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter presses the focused button and nothing else: no button is a default
        (autoDefault is off for all), so Enter in a field does nothing surprising."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QPushButton) and focused.isEnabled():
                focused.click()
            return
        super().keyPressEvent(event)

    @override
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    @override
    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        self.add_files(paths)

    # -- finishing ----------------------------------------------------------------

    @Slot()
    def ask_finalize(self) -> None:
        """Finalizing cannot be undone: check, then show what will be sent and any
        contradiction, and finalize only on the officer's yes."""
        content = self.content()
        try:
            reports.check_final(content)
        except ValidationError as exc:
            self._show_issues(exc.issues)
            return
        self.save_now()  # whatever the answer, what is on screen is kept
        warnings = contradictions(
            progress=self.spin.value(), status_claim=str(self.status.currentData()),
            indicator_values=content.indicator_values, indicators=self._task.indicators,
        )  # fmt: skip
        box = QMessageBox(self)
        box.setWindowTitle(self.tr("Finalize and queue for sending"))
        box.setIcon(QMessageBox.Icon.Warning if warnings else QMessageBox.Icon.Question)
        box.setTextFormat(Qt.TextFormat.PlainText)  # task titles are the officer's text
        text = self.tr(
            "Finalize this report and queue it for sending? A finalized report cannot be "
            "changed; a later correction is a new report."
        )
        if warnings:
            lang = language()
            text += "\n\n" + self.tr("Please check:") + "\n"
            text += "\n".join(f"⚠ {w.text(lang)}" for w in warnings)
        box.setText(text + "\n\n" + self._summary())
        yes = box.addButton(self.tr("&Finalize"), QMessageBox.ButtonRole.AcceptRole)
        back = box.addButton(self.tr("&Back to the report"), QMessageBox.ButtonRole.RejectRole)
        # A contradiction: Enter goes back to fix it; Esc always does.
        box.setDefaultButton(back if warnings else yes)
        box.setEscapeButton(back)
        box.finished.connect(lambda _r: self._answered(box, yes, self.finalize))
        self._ask(box)

    def _summary(self) -> str:
        lines = [
            self.tr("Task: %1").replace("%1", f"{self._task.code} — {self._task.title}"),
            self.tr("Progress: %1").replace("%1", f"{self.spin.value()}%"),
            self.tr("Status: %1").replace("%1", self.status.currentText()),
        ]
        for indicator in self._task.indicators:
            code = str(indicator.get("code", ""))
            box = self.indicators[code]
            target = indicator.get("target")
            value = f"{box.value():g} {indicator.get('unit', '')}".rstrip()
            if isinstance(target, int | float):
                value += " " + self.tr("(target %1)").replace("%1", f"{target:g}")
            lines.append(f"{indicator.get('name') or code}: {value}")
        names = [self.attachments.item(i).text() for i in range(self.attachments.count())]
        lines.append(self.tr("Attachments: %1").replace("%1", "; ".join(names) if names else "—"))
        lines.append(self.tr("Classification: %1").replace("%1", self.classification.currentText()))
        return "\n".join(lines)

    @Slot()
    def ask_discard(self) -> None:
        """Deleting a draft cannot be undone: asked first, keeping it is the default."""
        if self.report_id is None and not self._dirty and not self.busy:
            self.discard()  # nothing written, nothing to lose
            return
        box = QMessageBox(self)
        box.setWindowTitle(self.tr("Discard draft"))
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(self.tr("Delete this draft? What you wrote in it cannot be recovered."))
        yes = box.addButton(self.tr("&Delete the draft"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("&Keep the draft"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.finished.connect(lambda _r: self._answered(box, yes, self.discard))
        self._ask(box)

    def _ask(self, box: QMessageBox) -> None:
        """Window-modal and not blocking: a lock (Ctrl+L) or the tests can still act."""
        self.question = box
        box.addActions(self.actions())  # Ctrl+L: the box shadows the editor's shortcuts
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _answered(self, box: QMessageBox, yes: QPushButton, then: Callable[[], object]) -> None:
        chosen = box.clickedButton()
        if self.question is box:
            self.question = None
        if chosen is yes:
            then()

    @Slot()
    def finalize(self) -> None:
        """Store exactly what is on screen and finalize it, in the background; the
        form waits meanwhile, since what is typed then would not be in the report."""
        self._dirty = False
        self._set_busy(self.tr("Finalizing…"))
        self.form_body.setEnabled(False)
        job = partial(_finalize, self._profile, self._task.code, self._draft_id, self.content())
        self._jobs.run(job, self._on_finalized, self._on_finalize_failed)

    @Slot(object)
    def _on_finalized(self, report_id: str) -> None:
        self.report_id = report_id
        self._set_busy(None)
        self._autosave.stop()
        self.finalized.emit(report_id)
        self.accept()

    @Slot(object)
    def _on_finalize_failed(self, error: BaseException) -> None:
        self._dirty = True  # the draft may be stored; saving again is harmless
        self._set_busy(None)
        self.form_body.setEnabled(True)
        self._say_error(error)

    @Slot()
    def discard(self) -> None:
        self._dirty = False
        self._jobs.settle(CLOSE_WAIT_S)  # a save still under way lands first, then goes
        if self.report_id is not None:
            with self._profile.db.session() as session:
                reports.discard_draft(session, self.report_id)
            self.report_id = None
        self._dirty = False
        self._autosave.stop()
        self.reject()

    def _keep_or_drop(self) -> None:
        """Closing keeps the draft, unless nothing was written in a new report: an
        empty draft would only clutter the outbox and the drafts banner."""
        untouched = self._untouched is not None and self.content() == self._untouched
        if not (untouched and self.attachments.count() == 0):
            self._save_before_closing()
            return
        self._jobs.settle(CLOSE_WAIT_S)  # an autosave under way lands first, then goes
        if self.report_id is not None:  # saved while typing, then all taken back
            with self._profile.db.session() as session:
                reports.discard_draft(session, self.report_id)
            self.report_id = None
        self._dirty = False

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        self._keep_or_drop()
        self._autosave.stop()
        self._disconnect_focus()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        if result == QDialog.DialogCode.Rejected:
            self._keep_or_drop()
        self._autosave.stop()
        self._disconnect_focus()
        super().done(result)

    def _disconnect_focus(self) -> None:
        app = QApplication.instance()
        if self._focus_connected and isinstance(app, QApplication):
            app.focusChanged.disconnect(self._on_focus_changed)
            self._focus_connected = False
