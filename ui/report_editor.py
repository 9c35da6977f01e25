"""Writing one progress report: a draft autosaved every few seconds and on every
focus change, inline validation, attachments by file dialog or drag and drop, and
"finalize and queue" which makes it immutable.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
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
from dxdesk.models import Classification, Report, StatusClaim, Task
from dxdesk.profile import Profile
from ui import file_dialogs, labels, numbers
from ui.i18n import follow_language, language
from ui.numbers import indicator_decimals
from ui.screen_fit import keep_fitted

log = logging.getLogger(__name__)

AUTOSAVE_MS = 3000
FIELDS = ("progress", "status", "results", "difficulties", "proposals", "classification")
ERROR_STYLE = "color: #b91c1c;"


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
    ) -> None:
        super().__init__(parent)
        self._profile = profile
        self._task = task
        self.report_id = report_id
        self._dirty = False
        # Vietnam time, like every time the app shows (the PC's zone may be unset).
        self._saved_at: dt.datetime | None = None
        self.setAcceptDrops(True)
        # The form scrolls: the editor fits a netbook's 1024×540 (ui.screen_fit).
        self.setMinimumWidth(600)
        self._build()
        if report_id is not None:
            self._load(report_id)
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
        self._dirty = False

    # -- layout -----------------------------------------------------------------

    def _build(self) -> None:  # noqa: PLR0915 (one form, built top to bottom)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
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
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button = QPushButton()
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
        self.finalize_button.clicked.connect(self.finalize)
        self.discard_button = QPushButton()
        self.discard_button.setAutoDefault(False)
        self.discard_button.clicked.connect(self.discard)
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
        self.proposals_label.setText(self.tr("P&roposals"))
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

    # -- content ----------------------------------------------------------------

    def _load(self, report_id: str) -> None:
        with self._profile.db.session() as session:
            report = reports.get_report(session, report_id)
            attachments = reports.attachments_of(session, report_id)
        self._fill(report)
        self._saved_at = report.updated_at.astimezone(clock.VIETNAM_TZ)
        self._show_attachments([(a.id, a.file_name, a.size) for a in attachments])

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
    def save_now(self) -> bool:
        """Store the draft if anything changed; True when the draft is stored."""
        if not self._dirty and self.report_id is not None:
            return True
        if not self._dirty:
            return False
        content = self.content()
        try:
            with self._profile.db.session() as session:
                if self.report_id is None:
                    task = reports.find_task(session, self._task.code)
                    report = reports.create_draft(session, task, content, self._profile.author)
                    self.report_id = report.id
                else:
                    reports.save_draft(session, self.report_id, content)
        except ValidationError as exc:
            self._show_issues(exc.issues)
            return False
        self._dirty = False
        self._saved_at = dt.datetime.now(clock.VIETNAM_TZ)
        self._show_issues([])
        self._show_saved()
        self.saved.emit(self.report_id)
        return True

    def _show_saved(self) -> None:
        if self._saved_at is None:
            self.saved_label.setText(self.tr("Not saved yet"))
        else:
            when = self._saved_at.strftime("%H:%M")
            self.saved_label.setText(self.tr("Saved at %1").replace("%1", when))

    def _show_issues(self, issues: list[Message]) -> None:
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
        self._dirty = True
        if not self.save_now():
            return
        assert self.report_id is not None
        issues: list[Message] = []
        with self._profile.db.session() as session:
            for path in paths:
                try:
                    reports.attach(
                        session, self._profile.attachments, self.report_id, path,
                        self._profile.limits,
                    )  # fmt: skip
                except ValidationError as exc:
                    issues.extend(exc.issues)
            rows = reports.attachments_of(session, self.report_id)
        self._show_attachments([(a.id, a.file_name, a.size) for a in rows])
        self._show_issues(issues)

    @Slot()
    def remove_selected(self) -> None:
        item = self.attachments.currentItem()
        if item is None or self.report_id is None:
            return
        with self._profile.db.session() as session:
            reports.detach(session, self.report_id, str(item.data(Qt.ItemDataRole.UserRole)))
            rows = reports.attachments_of(session, self.report_id)
        self._show_attachments([(a.id, a.file_name, a.size) for a in rows])

    def _show_attachments(self, rows: list[tuple[str, str, int]]) -> None:
        self.attachments.clear()
        for attachment_id, name, size in rows:
            item = QListWidgetItem(f"{name}  ({numbers.count(max(1, size // 1024))} KB)")
            item.setData(Qt.ItemDataRole.UserRole, attachment_id)
            self.attachments.addItem(item)

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
    def finalize(self) -> bool:
        self._dirty = True  # store exactly what is on screen first
        if not self.save_now():
            return False
        assert self.report_id is not None
        try:
            with self._profile.db.session() as session:
                reports.finalize(session, self._profile.attachments, self.report_id)
        except ValidationError as exc:
            self._show_issues(exc.issues)
            return False
        except DxdeskError as exc:
            self._show_issues([])
            self.general_error.setText(exc.render(language()))
            self.general_error.show()
            return False
        self._autosave.stop()
        self.finalized.emit(self.report_id)
        self.accept()
        return True

    @Slot()
    def discard(self) -> None:
        if self.report_id is not None:
            with self._profile.db.session() as session:
                reports.discard_draft(session, self.report_id)
            self.report_id = None
        self._dirty = False
        self._autosave.stop()
        self.reject()

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_now()
        self._autosave.stop()
        self._disconnect_focus()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        if result == QDialog.DialogCode.Rejected:
            self.save_now()
        self._autosave.stop()
        self._disconnect_focus()
        super().done(result)

    def _disconnect_focus(self) -> None:
        app = QApplication.instance()
        if self._focus_connected and isinstance(app, QApplication):
            app.focusChanged.disconnect(self._on_focus_changed)
            self._focus_connected = False
