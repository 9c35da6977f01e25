"""The main window: tasks (quick filters, search, detail), dashboard, outbox, and a
status bar that says whether we are online, when we last synced and what waits.

It composes the smaller views and wires them to the sync controller; the work
itself lives in the core and in those views.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QItemSelection, QModelIndex, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from dxdesk import clock, local_state, reports, tasks
from dxdesk.messages import Message
from dxdesk.profile import Profile
from dxdesk.settings import save as save_settings
from dxdesk.store.models import Report, ReportState, Task
from dxdesk.text import syllables
from sync.engine import SyncSummary
from sync.progress import AcksApplied, RoundStarted, UploadProgress
from sync.scheduler import Connectivity, SchedulerStatus
from sync.summary_message import summary_message
from sync.transport import Failure
from ui import report_editor, window_size
from ui.about_dialog import AboutDialog, diagnostics
from ui.background_jobs import Runner
from ui.bundle_actions import BundleExporter
from ui.dashboard import Dashboard
from ui.detail_pane import DetailPane
from ui.failures import failure_text
from ui.i18n import Translations, follow_language, language, texts_changed
from ui.login_dialog import LoginDialog
from ui.numbers import count
from ui.outbox_view import OutboxView
from ui.report_editor import ReportEditor
from ui.screen_fit import place
from ui.settings_dialog import SettingsDialog
from ui.sync_controller import SyncController
from ui.task_columns import size_columns
from ui.task_table import TaskTable
from ui.tasks_model import Column, QuickFilter, TaskFilterProxy, TaskTableModel, counts
from ui.update_button import UpdateButton


@dataclass(frozen=True)
class Snapshot:
    """Everything the window shows, read in one go off the GUI thread."""

    rows: list[tasks.ListedRow]
    outbox: list[reports.OutboxItem]
    counts: dict[QuickFilter, int]  # what each quick filter shows, counted off the GUI thread
    complete: bool = True  # False: the first screenful only, the rest is being read
    spaced: list[str] | None = None  # each row's search syllables, for ranking


# The first read at start: one screenful (in the default order) is shown while
# the rest is read, so a large unit's list is usable before all of it is in.
FIRST_PAGE = 200


PREFERRED_SIZE = QSize(1200, 720)
MINIMUM_SIZE = QSize(760, 460)


class MainWindow(QMainWindow):
    lock_requested = Signal()  # Ctrl+L: this user's data closes, the lock screen shows
    switch_user_requested = Signal()
    # An update was installed and the officer chose to restart into it: the command
    # that starts it (the shell closes this user's data first, then quits).
    restart_requested = Signal(object)

    def __init__(
        self,
        profile: Profile,
        controller: SyncController,
        runner: Runner,
        translations: Translations,
        token_store: str = "",
    ) -> None:
        super().__init__()
        self._profile = profile
        self._controller = controller
        self._runner = runner
        self._translations = translations
        self._token_store = token_store
        self._show_accepted = False
        self._loading = False
        self._reload_again = False
        self._sync_event = ""
        self._released = False  # the user locked: nothing may touch the store again
        self.editor: ReportEditor | None = None
        self.left_open: str | None = None  # the draft open when release() closed it
        self.login_dialog: LoginDialog | None = None
        self.blocking_dialog: QDialog | None = None  # Settings or About, while open
        self.loaded_once = False
        self.reload_count = 0
        self._listed: list[tasks.ListedRow] = []  # the rows of the last snapshot
        self._counts = counts([])
        self._overview_stale = False  # rows came while the Overview tab was hidden
        self._complete = True  # the last snapshot held every task

        self.model = TaskTableModel()
        self.proxy = TaskFilterProxy()
        self.proxy.setSourceModel(self.model)
        self._build_tasks_tab()
        self.dashboard = Dashboard()
        self.outbox = OutboxView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.tasks_tab, "")
        self.tabs.addTab(self.dashboard, "")
        self.tabs.addTab(self.outbox, "")
        self.tabs.currentChanged.connect(self._fill_overview)
        self._build_banner()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(6, 6, 6, 0)
        column.addWidget(self.banner)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self._build_actions()
        self._build_status_bar()
        self._connect(controller)
        # At most the screen's free area: a 1024×600 netbook keeps the status bar.
        self.setMinimumSize(MINIMUM_SIZE)
        place(self, PREFERRED_SIZE, window_size.saved(profile))
        follow_language(self, self.retranslate)
        self.reload()

    # -- construction -------------------------------------------------------------

    def _connect(self, controller: SyncController) -> None:
        self.outbox.retry.connect(self.sync_now)
        self.outbox.open_draft.connect(self.open_report)
        self.outbox.correct.connect(self.correct_report)
        self.outbox.show_accepted_changed.connect(self._set_show_accepted)
        self.detail.new_report.connect(self.new_report)
        self.dashboard.open_task.connect(self.show_task)
        self.detail.open_report.connect(self.open_report)
        controller.status_changed.connect(self._on_status)
        controller.finished.connect(self._on_sync_finished)
        controller.reported.connect(self._on_sync_reported)
        controller.sync_event.connect(self._on_sync_event)
        controller.login_needed.connect(self.ask_login)
        controller.login_done.connect(self._on_login_done)

    def _build_tasks_tab(self) -> None:  # noqa: PLR0915 (one layout, top to bottom)
        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        self.filter_buttons: dict[QuickFilter, QToolButton] = {}
        filters = QHBoxLayout()
        for quick in QuickFilter:
            button = QToolButton()
            button.setCheckable(True)
            button.setChecked(quick is QuickFilter.ALL)
            button.setProperty("quickFilter", quick.value)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.filter_group.addButton(button)
            self.filter_buttons[quick] = button
            filters.addWidget(button)
        self.filter_group.buttonClicked.connect(self._on_filter_clicked)
        filters.addStretch(1)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.search.textChanged.connect(self.proxy.set_search)
        self.search.textChanged.connect(self._after_filter)
        filters.addWidget(self.search)

        self.table = TaskTable()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.DEADLINE, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)  # widths: ui.task_columns, per language
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.table.doubleClicked.connect(self._on_double_click)
        self.table.open_requested.connect(self._on_double_click)

        self.detail = DetailPane(self._profile, self._runner)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        # The table gets most of a narrow screen: task titles need the room.
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([720, 280])
        self.splitter = splitter
        self.tasks_tab = QWidget()
        layout = QVBoxLayout(self.tasks_tab)
        layout.addLayout(filters)
        layout.addWidget(self._build_no_match())
        layout.addWidget(splitter, 1)
        self.setTabOrder(self.search, self.table)
        self.setTabOrder(self.table, self.detail.new_button)

    def _build_no_match(self) -> QWidget:
        """Said above the empty table when the search finds nothing, with the way back."""
        self.no_match = QWidget()
        self.no_match_text = QLabel()
        self.no_match_text.setWordWrap(True)
        self.clear_search_button = QPushButton()
        self.clear_search_button.clicked.connect(self.clear_search)
        row = QHBoxLayout(self.no_match)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.no_match_text, 1)
        row.addWidget(self.clear_search_button)
        self.no_match.hide()
        return self.no_match

    def _build_banner(self) -> None:
        self.banner = QWidget()
        self.banner.setStyleSheet("background: #fef3c7; color: #111; border-radius: 4px;")
        self.banner_text = QLabel()
        self.banner_button = QPushButton()
        self.banner_button.clicked.connect(self._show_drafts)
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.banner_button)
        self.banner.hide()

    def _build_actions(self) -> None:
        self.new_action = QAction(self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.new_report)
        self.sync_action = QAction(self)
        self.sync_action.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+R")])
        self.sync_action.triggered.connect(self.sync_now)
        self.search_action = QAction(self)
        self.search_action.setShortcut(QKeySequence.StandardKey.Find)
        self.search_action.triggered.connect(self.focus_search)
        self.settings_action = QAction(self)
        self.settings_action.triggered.connect(self.open_settings)
        self.about_action = QAction(self)
        self.about_action.triggered.connect(self.open_about)
        self.language_action = QAction(self)
        self.language_action.triggered.connect(self.toggle_language)
        self.login_action = QAction(self)
        self.login_action.triggered.connect(self.ask_login)
        self.lock_action = QAction(self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        # Also from the report editor: a draft is saved before the data closes.
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock_requested)
        self.switch_user_action = QAction(self)
        self.switch_user_action.triggered.connect(self.switch_user_requested)
        # No network for weeks: carry the waiting reports on a USB stick.
        self.export_action = QAction(self)
        self.export_action.triggered.connect(self.export_bundle)
        toolbar = self.addToolBar("main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.new_action, self.sync_action, self.export_action, self.login_action,
                       self.settings_action, self.about_action, self.language_action):  # fmt: skip
            toolbar.addAction(action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        # Who is working, and the way out for the next person at this shared PC.
        self.user_menu = QMenu(self)
        self.user_menu.addAction(self.switch_user_action)
        self.user_menu.addAction(self.lock_action)
        self.user_button = QToolButton()
        self.user_button.setMenu(self.user_menu)
        self.user_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.user_button.setStyleSheet("QToolButton::menu-indicator { image: none; }")
        user = self._profile.user
        self.user_button.setText(f"{user.label} ▾" if user is not None else "▾")
        toolbar.addWidget(self.user_button)
        for action in (self.search_action, self.lock_action, self.switch_user_action):
            self.addAction(action)  # shortcuts work wherever the focus is
        self.toolbar = toolbar

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.connectivity_label = QLabel()
        self.last_sync_label = QLabel()
        self.waiting_label = QLabel()
        self.sync_progress = QProgressBar()
        self.sync_progress.setMaximumWidth(160)
        self.sync_progress.setRange(0, 0)
        self.sync_progress.hide()
        self.sync_button = QPushButton()
        self.sync_button.clicked.connect(self.sync_now)
        bar.addWidget(self.connectivity_label)
        bar.addWidget(self.last_sync_label)
        bar.addWidget(self.waiting_label)
        self.update_button = UpdateButton(
            self._profile,
            self._save_open_draft,
            lambda: self._controller.status.syncing,
            self._runner,
        )
        self.update_button.restart_requested.connect(self.restart_requested)
        self.update_button.refresh()
        bar.addPermanentWidget(self.sync_progress)
        bar.addPermanentWidget(self.update_button)
        bar.addPermanentWidget(self.sync_button)

    def _save_open_draft(self) -> None:
        if self.editor is not None:
            self.editor.save_and_wait()

    # -- language ---------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("dxdesk — task progress reports"))
        self.tabs.setTabText(0, self.tr("Tasks"))
        self.tabs.setTabText(1, self.tr("Overview"))
        self.tabs.setTabText(2, self.tr("Outbox"))
        self.search.setPlaceholderText(self.tr("Search code, title, document… (Ctrl+F)"))
        self.new_action.setText(self.tr("New report"))
        self.new_action.setToolTip(self.tr("New report (Ctrl+N)"))
        self.sync_action.setText(self.tr("Sync"))
        self.sync_action.setToolTip(self.tr("Send and receive now (F5)"))
        self.search_action.setText(self.tr("Search"))
        self.settings_action.setText(self.tr("Settings"))
        self.about_action.setText(self.tr("About"))
        self.login_action.setText(self.tr("Log in"))
        self.lock_action.setText(self.tr("Lock"))
        self.lock_action.setToolTip(self.tr("Lock: close your data until your password (Ctrl+L)"))
        self.switch_user_action.setText(self.tr("Switch user…"))
        self.export_action.setText(self.tr("To USB…"))
        self.export_action.setToolTip(
            self.tr("Write the reports waiting to be sent to a file (a USB stick), sealed for "
                    "the server, for someone with a network to deliver")
        )  # fmt: skip
        self.user_button.setToolTip(self.tr("Switch user or lock"))
        self.language_action.setText(
            "English" if self._translations.language == "vi" else "Tiếng Việt"
        )
        self.sync_button.setText(self.tr("Sync now"))
        self.update_button.retranslate()
        self.banner_button.setText(self.tr("Show drafts"))
        self._update_no_match()
        texts_changed(self.model)  # status texts are translated too
        size_columns(self.table)
        self._update_counts()
        self._update_waiting()
        self._on_status(self._controller.status)
        self._update_banner()

    @Slot()
    def export_bundle(self) -> None:
        exporter = BundleExporter(self, self._profile, self._runner)
        exporter.exported.connect(lambda _result: self.reload())
        exporter.start()

    @Slot()
    def toggle_language(self) -> None:
        self.set_language("en" if self._translations.language == "vi" else "vi")

    def set_language(self, language: str) -> None:
        self._translations.use(language)
        if self._profile.settings.language != language:
            self._profile.settings.language = language
            save_settings(self._profile.settings, self._profile.paths.settings_file)

    # -- data ---------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read tasks and the outbox in the background; at most one read at a time."""
        if self._released:
            return
        if self._loading:
            self._reload_again = True
            return
        self._loading = True
        first = FIRST_PAGE if not self.loaded_once else None
        self._read(first)

    def _read(self, limit: int | None) -> None:
        job = _SnapshotJob(self._profile, self._show_accepted, limit)
        self._runner.run(job, self._on_snapshot, self._on_load_error)

    @Slot(object)
    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self._loading = not snapshot.complete
        if self._released:  # read before the lock: not shown to whoever comes next
            self._loading = False
            return
        selected = self.selected_row()
        code = selected.task.code if selected else None
        self.model.set_rows(snapshot.rows, snapshot.spaced)
        self._listed = snapshot.rows
        self._counts = snapshot.counts
        self._overview_stale = True
        self._fill_overview()
        self.outbox.set_items(snapshot.outbox)
        self._outbox_items = snapshot.outbox
        self.loaded_once = True
        self._complete = snapshot.complete
        self.reload_count += snapshot.complete
        self._update_counts()
        self._update_banner()
        self._update_waiting()
        self._update_no_match()
        if code is not None:
            self.select_task(code)
        else:
            self.detail.show_task(None)
        if not snapshot.complete:
            self._read(None)  # the rest; counts, sort and search whole once it is in
        elif self._reload_again:
            self._reload_again = False
            self.reload()

    @Slot(object)
    def _on_load_error(self, error: BaseException) -> None:
        self._loading = False
        if self._released:
            return
        raise error  # the crash handler shows and logs it

    @Slot()
    def _fill_overview(self) -> None:
        """The Overview's tiles, chart and lists, only once its tab is shown: at
        20,000 tasks they took 0.2 s of the GUI thread before the list showed."""
        if self._overview_stale and self.tabs.currentWidget() is self.dashboard:
            self._overview_stale = False
            self.dashboard.set_rows(self._listed)

    def _update_counts(self) -> None:
        numbers = self._counts
        for quick, button in self.filter_buttons.items():
            shown = count(numbers[quick]) if self._complete else "…"  # not all read yet
            button.setText(f"{quick.label()} ({shown})")

    def _update_waiting(self) -> None:
        items = getattr(self, "_outbox_items", [])
        pending = (ReportState.QUEUED, ReportState.SENDING)
        waiting = sum(1 for i in items if i.report.state in pending)
        self.waiting_label.setText(self.tr("%1 waiting to send").replace("%1", count(waiting)))

    def draft_count(self) -> int:
        items = getattr(self, "_outbox_items", [])
        return sum(1 for i in items if i.report.state is ReportState.DRAFT)

    def _update_banner(self) -> None:
        drafts = self.draft_count()
        self.banner.setVisible(drafts > 0)
        self.banner_text.setText(
            self.tr(
                "You have %n unfinished draft(s). They are saved; open them to continue.",
                "",
                drafts,
            )
        )

    @Slot()
    def _show_drafts(self) -> None:
        self.tabs.setCurrentWidget(self.outbox)

    @Slot(bool)
    def _set_show_accepted(self, value: bool) -> None:
        self._show_accepted = value
        self.reload()

    # -- tasks -------------------------------------------------------------------

    def _on_filter_clicked(self, button: QToolButton) -> None:
        self.proxy.set_quick_filter(QuickFilter(str(button.property("quickFilter"))))
        self._after_filter()

    def set_quick_filter(self, quick: QuickFilter) -> None:
        self.filter_buttons[quick].click()

    @Slot()
    def _after_filter(self) -> None:
        if self.selected_row() is None:
            self.detail.show_task(None)
        self._update_no_match()

    def _update_no_match(self) -> None:
        text = self.search.text().strip()
        empty = bool(text) and self.loaded_once and self.proxy.rowCount() == 0
        self.no_match.setVisible(empty)
        if not empty:
            return
        quick = self.filter_group.checkedButton()
        chosen = QuickFilter(str(quick.property("quickFilter"))) if quick else QuickFilter.ALL
        if chosen is QuickFilter.ALL:
            message = Message("no_task_matches", {"text": text})
        else:
            message = Message("no_task_matches_filter", {"text": text, "filter": chosen.label()})
        self.no_match_text.setText(message.text(language()))
        self.clear_search_button.setText(Message("clear_search").text(language()))

    @Slot()
    def clear_search(self) -> None:
        self.search.clear()
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(str)
    def show_task(self, code: str) -> None:
        """The task in the list and its detail (from the overview's lists), even
        when the current filter or search hides it."""
        self.tabs.setCurrentWidget(self.tasks_tab)
        if not self.select_task(code):
            self.search.clear()
            self.set_quick_filter(QuickFilter.ALL)
            self.select_task(code)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.tasks_tab)
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def selected_row(self) -> tasks.ListedRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.row_at(rows[0]) if rows else None

    def whole_task(self, row: tasks.ListedRow) -> Task | None:
        """A listed task with every field (the list reads only those it shows): one
        row by its key, quick enough for the GUI thread."""
        with self._profile.db.session() as session:
            task = tasks.get(session, row.task.id)
            if task is not None:
                session.expunge(task)
        return task

    def select_task(self, code: str) -> bool:
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            row = self.proxy.row_at(index)
            if row is not None and row.task.code == code:
                self.table.selectRow(r)
                self.table.scrollTo(index)
                return True
        return False

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.detail.show_task(self.selected_row())

    @Slot()
    @Slot(QModelIndex)
    def _on_double_click(self, _index: QModelIndex | None = None) -> None:
        if self.detail.draft_id is not None:
            self.open_report(self.detail.draft_id)
        else:
            self.new_report()

    # -- reports -----------------------------------------------------------------

    @Slot()
    def new_report(self) -> None:
        row = self.selected_row()
        if row is None:
            self.statusBar().showMessage(self.tr("Select a task first."), 5000)
            return
        task = self.whole_task(row)
        if task is None:  # gone with a sync since the list was read
            self.reload()
            return
        editor = ReportEditor(self._profile, task, parent=self, runner=self._runner)
        editor.set_initial_progress(row.latest_progress)
        self._show_editor(editor)

    @Slot(str)
    def open_report(self, report_id: str) -> None:
        """Read in the background; the editor opens when the report is there."""
        job = partial(report_editor.read_report, self._profile, report_id)
        self._runner.run(job, self._on_report_read, self._on_load_error)

    def resume_draft(self, report_id: str) -> None:
        """Open again the draft that was open when the user locked, if it still is one."""
        with self._profile.db.session() as session:
            report = session.get(Report, report_id)
            draft = report is not None and report.state is ReportState.DRAFT
        if draft:
            self.open_report(report_id)

    @Slot(str)
    def correct_report(self, report_id: str) -> None:
        job = partial(report_editor.start_correction, self._profile, report_id)
        self._runner.run(job, self._on_report_read, self._on_load_error)

    @Slot(object)
    def _on_report_read(self, opened: report_editor.OpenedReport) -> None:
        if self._released or opened.task is None:
            return
        editor = ReportEditor(
            self._profile, opened.task, opened.report.id, parent=self, runner=self._runner,
            opened=opened,
        )  # fmt: skip
        self._show_editor(editor)

    def _show_editor(self, editor: ReportEditor) -> None:
        if self.editor is not None:
            self.editor.close()
        self.editor = editor
        editor.finalized.connect(self._on_finalized)
        editor.finished.connect(self._on_editor_closed)
        editor.finished.connect(editor.deleteLater)  # as every closed dialog (open_settings)
        # Ctrl+L from the editor too: a modal dialog shadows the window's shortcuts.
        editor.addAction(self.lock_action)
        editor.open()

    @Slot(str)
    def _on_finalized(self, _report_id: str) -> None:
        self._controller.request_sync()
        self.statusBar().showMessage(
            self.tr("Report queued; it will be sent at the next sync."), 8000
        )

    @Slot(int)
    def _on_editor_closed(self, _result: int) -> None:
        if self.editor is not None and self.sender() is self.editor:
            self.editor = None  # deleted once closed (see _show_editor)
        self.reload()

    # -- sync -----------------------------------------------------------------------

    @Slot()
    def sync_now(self) -> None:
        self._controller.sync_now()

    @Slot()
    def ask_login(self) -> None:
        if self.login_dialog is not None and self.login_dialog.isVisible():
            return
        with self._profile.db.session() as session:
            from sync import client_account  # noqa: PLC0415 (a small, already loaded module)

            who = client_account.current(session)
        # A profile is one user's: logging in again is for that user; someone else
        # uses "Switch user".
        dialog = LoginDialog(
            self._controller, self._profile.settings.server_url,
            who.username if who else "", parent=self, user_fixed=who is not None,
        )  # fmt: skip
        self.login_dialog = dialog
        dialog.addAction(self.lock_action)  # Ctrl+L: a modal dialog shadows the window's
        dialog.open()

    @Slot(object)
    def _on_status(self, status: SchedulerStatus) -> None:
        texts = {
            Connectivity.UNKNOWN: self.tr("Not connected yet"),
            Connectivity.ONLINE: self.tr("Online"),
            Connectivity.OFFLINE: self.tr("Offline — reports are kept on this computer"),
            Connectivity.CAPTIVE_PORTAL: self.tr("This network needs sign-in in a browser"),
            Connectivity.LOGIN_NEEDED: self.tr("Log in needed to send"),
        }
        text = texts[status.connectivity]
        if status.connectivity is Connectivity.OFFLINE:
            text = _offline_text(status.last_summary)
        signed_out = status.connectivity in (Connectivity.UNKNOWN, Connectivity.ONLINE)
        if signed_out and not self._controller.has_token():
            text = texts[Connectivity.LOGIN_NEEDED]
        if not self._controller.configured:
            text = self.tr("No server set up — working offline")
        self.connectivity_label.setText(text)
        # Signed in, the user's button says who; "Log in" only while one is needed.
        self.login_action.setVisible(
            not self._controller.has_token() or status.connectivity is Connectivity.LOGIN_NEEDED
        )
        if status.last_success_at is not None:
            when = dt.datetime.fromtimestamp(status.last_success_at, tz=clock.VIETNAM_TZ)
            self.last_sync_label.setText(
                self.tr("Last sync %1").replace("%1", when.strftime("%d/%m/%Y %H:%M"))
            )
        else:
            self.last_sync_label.setText(self.tr("Never synced"))
        self.sync_progress.setVisible(status.syncing)
        self.sync_button.setEnabled(not status.syncing)
        summary = status.last_summary
        failure = summary.failure if summary is not None and not status.syncing else None
        if failure is not None and failure is not Failure.AUTH:
            assert summary is not None
            self.connectivity_label.setToolTip(failure_text(failure, summary.message))

    @Slot(object)
    def _on_login_done(self, _out: object) -> None:
        self._on_status(self._controller.status)

    @Slot(object)
    def _on_sync_finished(self, _summary: object) -> None:
        self.reload()
        self.update_button.refresh()  # the round may have finished downloading one

    @Slot(object, bool)
    def _on_sync_reported(self, summary: SyncSummary, asked: bool) -> None:
        """Say how a sync went: always when the user asked, else only when something
        came or went (a background "nothing new" is noise; its failures show in the
        connectivity text)."""
        moved = summary.accepted or summary.rejected or summary.pulled_tasks
        if asked or moved or summary.pulled_reviews:
            self.statusBar().showMessage(summary_message(summary, language()), 15_000)

    @Slot(object)
    def _on_sync_event(self, event: object) -> None:
        if isinstance(event, UploadProgress):
            self.sync_progress.setRange(0, 100)
            self.sync_progress.setValue(100 * event.done // max(1, event.total))
        elif isinstance(event, RoundStarted):
            self.sync_progress.setRange(0, 0)
        elif isinstance(event, AcksApplied):
            self.reload()  # the outbox shows accepted/rejected while the sync goes on

    # -- dialogs -------------------------------------------------------------------

    @Slot()
    def open_settings(self) -> None:
        user = self._profile.user
        dialog = SettingsDialog(
            self._profile.settings, self, account_name=user.full_name if user else ""
        )
        # Closed dialogs go: left under the window, one whose Python side Python's
        # GC collected crashed a later language switch that walked the children.
        dialog.finished.connect(dialog.deleteLater)
        if self._run_blocking(dialog) != SettingsDialog.DialogCode.Accepted or self._released:
            return
        chosen = dialog.chosen()
        moved = dialog.server_changed
        save_settings(chosen, self._profile.paths.settings_file)
        self._profile.settings.__dict__.update(chosen.__dict__)
        self._controller.settings_changed()
        if self._translations.language != chosen.language:
            self._translations.use(chosen.language)
        if moved:
            # The token was for the old address: say so now, and offer the sign-in.
            self._on_status(self._controller.status)
            if chosen.server_url and not self._controller.has_token():
                self.ask_login()

    @Slot()
    def open_about(self) -> None:
        text = diagnostics(self._profile.paths, self._profile.settings, self._token_store)
        dialog = AboutDialog(text, self)
        dialog.finished.connect(dialog.deleteLater)
        self._run_blocking(dialog)

    def _run_blocking(self, dialog: QDialog) -> int:
        """exec() with Ctrl+L still working: locking closes the dialog (release())."""
        dialog.addAction(self.lock_action)
        self.blocking_dialog = dialog
        try:
            return dialog.exec()
        finally:
            self.blocking_dialog = None

    def release(self) -> None:
        """Before the store closes (lock, switch, exit): the open report is saved,
        dialogs go, and late answers from the background are ignored."""
        window_size.remember(self._profile, self)
        editor, self.editor = self.editor, None
        if editor is not None:
            editor.close()  # saves the draft
            self.left_open = editor.report_id
        if self.login_dialog is not None and self.login_dialog.isVisible():
            self.login_dialog.reject()
        self.login_dialog = None
        if self.blocking_dialog is not None:
            self.blocking_dialog.reject()  # its exec() returns once the lock is done
        self._released = True
        for signal, slot in ((self._controller.status_changed, self._on_status),
                             (self._controller.finished, self._on_sync_finished),
                             (self._controller.reported, self._on_sync_reported),
                             (self._controller.sync_event, self._on_sync_event),
                             (self._controller.login_needed, self.ask_login),
                             (self._controller.login_done, self._on_login_done)):  # fmt: skip
            signal.disconnect(slot)
        self.close()

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.editor is not None:
            self.editor.close()
        super().closeEvent(event)


def _offline_text(summary: SyncSummary | None) -> str:
    """No network, the server unreachable, or the server failing: three different
    things for the officer to do (or not), said apart."""
    failure = summary.failure if summary is not None else None
    if failure is Failure.NO_NETWORK:
        return Message("state_no_network").text(language())
    if failure is Failure.SERVER:
        return Message("state_server_trouble").text(language())
    return Message("state_server_unreachable").text(language())


class _SnapshotJob:
    def __init__(self, profile: Profile, include_accepted: bool, limit: int | None) -> None:
        self._profile = profile
        self._include_accepted = include_accepted
        self._limit = limit

    def __call__(self) -> Snapshot:
        with self._profile.db.session() as session:
            today = clock.reference_date(local_state.server_offset(session))
            rows = tasks.list_summaries(
                session,
                today,
                due_soon_days=self._profile.settings.due_soon_days,
                limit=self._limit,
            )
            items = reports.outbox(
                session,
                include_accepted=self._include_accepted,
                accepted_since=clock.utcnow() - reports.RECENTLY_ACCEPTED,
            )
            session.expunge_all()
        complete = self._limit is None or len(rows) < self._limit
        # The first screenful goes without: the model works out the few a search asks.
        spaced = [syllables(row.task.search_key) for row in rows] if complete else None
        return Snapshot(rows, items, counts(rows), complete, spaced)
