"""The report editor's store work runs on the background runner: the window keeps
answering while a save or an attachment waits, jobs keep their order, closing
stores what is on screen before it returns, and nothing is lost on the way.

The store is held busy by a write transaction of the test's own (as another dxdesk
process or a sync would hold it), so a job waits exactly as long as the test says.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot
from sqlmodel import select

from dxdesk import reports
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.identity.users import UnlockedUser
from dxdesk.profile import Profile
from dxdesk.store.models import Attachment, Report, ReportState
from sync.session import ClientSession
from tests.ui.conftest import WAIT_MS, CrashRecorder, open_editor
from ui.background_jobs import PoolRunner
from ui.crash import CrashHandler
from ui.desktop import Desktop, build
from ui.report_editor import ReportEditor


@pytest.fixture
def pooled(
    qtbot: QtBot, ui_profile: Profile, ui_unlocked: UnlockedUser, crashes: CrashRecorder
) -> Iterator[Desktop]:
    """The desktop with the real background runner (a thread pool)."""
    handler = CrashHandler(ui_profile.paths.log_file, show=crashes)
    built = build(
        ClientSession(ui_profile, MemoryTokenStore(), unlocked=ui_unlocked), PoolRunner(),
        crash=handler, start_sync=False,
    )  # fmt: skip
    qtbot.addWidget(built.window)
    built.window.show()
    qtbot.waitUntil(lambda: built.window.loaded_once, timeout=WAIT_MS)
    yield built
    built.close()
    assert crashes.shown == []


class StoreHeld:
    """A write transaction on the store: every other writer waits until release."""

    def __init__(self, profile: Profile) -> None:
        raw: Any = profile.db.engine.raw_connection()
        raw.driver_connection.execute("BEGIN IMMEDIATE")
        self._raw: Any | None = raw

    def release(self) -> None:
        if self._raw is not None:
            self._raw.driver_connection.execute("ROLLBACK")
            self._raw.close()
            self._raw = None


@pytest.fixture
def hold(ui_profile: Profile) -> Iterator[StoreHeld]:
    held = StoreHeld(ui_profile)
    yield held
    held.release()


class Ticks:
    """A 10 ms timer: it only counts while the GUI thread is free."""

    def __init__(self) -> None:
        self.count = 0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def tick(self) -> None:
        self.count += 1


def opened_editor(desktop: Desktop) -> ReportEditor:
    editor = desktop.window.editor
    assert editor is not None
    return editor


def drafts_of(profile: Profile) -> list[Report]:
    with profile.db.session() as session:
        return list(session.exec(select(Report)))


def test_attaching_waits_in_the_background_and_the_window_keeps_answering(
    qtbot: QtBot, pooled: Desktop, ui_profile: Profile, pdf_file: Path
) -> None:
    editor = open_editor(pooled)
    editor.results.setPlainText("Đã họp")
    held = StoreHeld(ui_profile)
    try:
        editor.add_files([pdf_file])  # returns at once: the store is busy
        assert editor.busy
        assert not editor.add_button.isEnabled() and not editor.finalize_button.isEnabled()
        assert editor.saved_label.text() == "Đang thêm tệp…"
        ticks = Ticks()
        qtbot.waitUntil(lambda: ticks.count >= 5, timeout=WAIT_MS)  # the GUI is free
        assert editor.busy
    finally:
        held.release()
    qtbot.waitUntil(lambda: not editor.busy, timeout=WAIT_MS)
    assert editor.add_button.isEnabled() and editor.finalize_button.isEnabled()
    assert editor.attachments.count() == 1
    assert editor.saved_label.text().startswith("Đã lưu lúc")
    with ui_profile.db.session() as session:
        assert len(list(session.exec(select(Attachment)))) == 1


def test_a_save_and_a_finalize_keep_their_order_and_make_one_report(
    qtbot: QtBot, pooled: Desktop, ui_profile: Profile, hold: StoreHeld
) -> None:
    editor = open_editor(pooled)
    editor.results.setPlainText("Bản đầu")
    editor.save_now()  # waits for the store
    editor.results.setPlainText("Bản cuối")
    finalized: list[str] = []
    editor.finalized.connect(finalized.append)
    editor.finalize()  # asked while the save still waits
    assert not editor.form_body.isEnabled()  # what is typed now would not be sent
    assert editor.saved_label.text() == "Đang chốt báo cáo…"
    hold.release()
    qtbot.waitUntil(lambda: bool(finalized), timeout=WAIT_MS)  # then the editor goes
    [report] = drafts_of(ui_profile)
    assert report.state is ReportState.QUEUED and report.results == "Bản cuối"
    assert [report.id] == finalized


def test_closing_stores_what_is_on_screen_before_it_returns(
    pooled: Desktop, ui_profile: Profile, hold: StoreHeld
) -> None:
    """Lock, switch user and exit close the store right after the editor: its save
    cannot be left to the background. A save still under way lands first, once."""
    editor = open_editor(pooled)
    editor.results.setPlainText("Một")
    editor.save_now()
    editor.results.setPlainText("Một, hai")
    hold.release()
    editor.close()  # no event loop turned in between
    [report] = drafts_of(ui_profile)
    assert report.state is ReportState.DRAFT and report.results == "Một, hai"
    assert not editor.busy and editor.report_id == report.id


def test_a_refused_finalize_gives_the_form_back_with_the_reason_and_keeps_the_draft(
    qtbot: QtBot, pooled: Desktop, ui_profile: Profile
) -> None:
    editor = open_editor(pooled)
    editor.spin.setValue(50)
    editor.status.setCurrentIndex(editor.status.findData("done"))  # done needs 100 %
    editor.results.setPlainText("Xong")
    editor.finalize()
    qtbot.waitUntil(lambda: not editor.busy, timeout=WAIT_MS)
    assert editor.isVisible() and editor.form_body.isEnabled()
    assert editor.finalize_button.isEnabled()
    assert editor.errors["progress"].isVisibleTo(editor)
    [report] = drafts_of(ui_profile)
    assert report.state is ReportState.DRAFT and report.results == "Xong"


def test_opening_a_report_and_the_history_are_read_in_the_background(
    qtbot: QtBot, pooled: Desktop, ui_profile: Profile
) -> None:
    window = pooled.window
    with ui_profile.db.session() as session:
        task = reports.find_task(session, "NV-2026-003")
        draft = reports.create_draft(session, task, reports.ReportContent(results="Nháp cũ"))
    assert window.select_task("NV-2026-003")
    # The task shows at once; its reports when the background has read them.
    assert "NV-2026-003" in window.detail.browser.toPlainText()
    assert "Đang đọc…" in window.detail.browser.toPlainText()
    qtbot.waitUntil(lambda: window.detail.draft_id == draft.id, timeout=WAIT_MS)
    assert "Nháp cũ" in window.detail.browser.toPlainText()
    window.open_report(draft.id)
    assert window.editor is None  # being read
    qtbot.waitUntil(lambda: window.editor is not None, timeout=WAIT_MS)
    editor = opened_editor(pooled)
    assert editor.results.toPlainText() == "Nháp cũ"
    editor.close()


def test_closing_while_a_finalize_runs_lets_it_finish_once(
    pooled: Desktop, ui_profile: Profile, hold: StoreHeld
) -> None:
    """Ctrl+L or exit while "Chốt" is under way: close waits for it, its answer is
    handed over there, and the report is queued once, not left half done."""
    editor = open_editor(pooled)
    finalized: list[str] = []
    editor.finalized.connect(finalized.append)
    editor.results.setPlainText("Đã xong phần việc")
    editor.finalize()
    hold.release()
    editor.close()  # what a lock does first (MainWindow.release), the store next
    [report] = drafts_of(ui_profile)
    assert report.state is ReportState.QUEUED and report.results == "Đã xong phần việc"
    assert finalized == [report.id] and not editor.isVisible()
