"""Every window and dialog is usable in 1024×540, the room a 1024×600 netbook
leaves under its title bar and taskbar, in Vietnamese and in English: nothing
cut off or squashed, the status bar and every button inside the visible area."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QWidget,
)
from pytestqt.qtbot import QtBot

from dxdesk import reports
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.messages import Message
from dxdesk.paths import Paths
from dxdesk.profile import Profile
from dxdesk.settings import Settings
from sync.session import ClientSession
from sync.update_status import UpdateStatus
from tests.ui.conftest import OFFICER, enroll
from ui import screen_fit, window_size
from ui.about_dialog import AboutDialog
from ui.background_jobs import InlineRunner
from ui.bundle_actions import BundleExporter
from ui.desktop import Desktop, build
from ui.lock.unlock_screen import UnlockScreen
from ui.lock.unlocking import Unlocker
from ui.login_dialog import LoginDialog
from ui.main_window import PREFERRED_SIZE
from ui.settings_dialog import SettingsDialog
from ui.token_access import Tokens

ROOM = QSize(1024, 540)
LONG_ERROR = (
    "Không kết nối được máy chủ http://127.0.0.1:9 (kết nối bị từ chối). Kiểm tra mạng "
    "hoặc địa chỉ máy chủ trong Cài đặt, rồi thử lại; báo cáo vẫn được giữ trên máy này."
)


@pytest.fixture(params=["vi", "en"])
def lang_desktop(request: pytest.FixtureRequest, desktop: Desktop) -> Iterator[Desktop]:
    desktop.window.set_language(request.param)
    yield desktop
    desktop.window.table.clearSelection()  # a switch with a selection: h/safety's crash
    desktop.window.set_language("vi")


def _in_scroll_area(widget: QWidget, top: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _rect_in(widget: QWidget, top: QWidget) -> QRect:
    return QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())


def squeeze(widget: QWidget) -> None:
    """Show ``widget`` as it would open on a 1024×600 netbook: at most 1024×540."""
    widget.show()
    widget.resize(widget.size().boundedTo(ROOM))
    layout = widget.layout()
    if layout is not None:
        layout.activate()
    QApplication.processEvents()


def problems(top: QWidget) -> list[str]:
    """What a 1024×540 screen would hide or squash in ``top`` (empty: usable)."""
    name = type(top).__name__
    found = []
    if top.width() > ROOM.width() or top.height() > ROOM.height():
        found.append(f"{name} is {top.width()}×{top.height()}")
    hint = top.minimumSizeHint()
    if hint.width() > ROOM.width() or hint.height() > ROOM.height():
        found.append(f"{name} needs at least {hint.width()}×{hint.height()}")
    for child in top.findChildren(QWidget):
        if not child.isVisibleTo(top) or _in_scroll_area(child, top):
            continue  # inside a scroll area: reachable by scrolling
        what = f"{type(child).__name__} {_text(child)!r}"
        if isinstance(child, QAbstractButton | QLineEdit | QComboBox | QScrollArea):
            if not top.rect().contains(_rect_in(child, top)):
                found.append(f"{what} is outside the window")
            elif child.visibleRegion().boundingRect() != child.rect():
                found.append(f"{what} is cut off")
            fixed = child.maximumHeight() == child.height()  # sized so on purpose
            need = min(child.minimumSizeHint().height(), child.sizeHint().height())
            if child.height() < need and not fixed:
                found.append(f"{what} is squashed to {child.height()} px")
        if isinstance(child, QLabel) and child.text() and child.width() > 0:
            need = (
                child.heightForWidth(child.width())
                if child.wordWrap()
                else child.minimumSizeHint().height()
            )
            if child.height() < need:
                found.append(f"{what} is squashed ({child.height()} < {need} px)")
    return found


def assert_usable(top: QWidget) -> None:
    found = problems(top)
    assert not found, f"{type(top).__name__}:\n" + "\n".join(found)


def _text(widget: QWidget) -> str:
    if isinstance(widget, QAbstractButton | QLabel | QLineEdit):
        return widget.text()[:40]
    return ""


def test_main_window_opens_sized_to_the_screen() -> None:
    """1200×720 wanted; a 1024×600 netbook's area (taskbar 40 px) gets a window that
    fits with its frame, and a saved size is used only while it still fits."""
    area = QRect(0, 0, 1024, 560)
    room = area.size() - screen_fit.FRAME_ESTIMATE
    assert screen_fit.initial_size(QSize(1200, 720), room) == QSize(1016, 522)
    assert screen_fit.initial_size(QSize(1200, 720), room, QSize(900, 500)) == QSize(900, 500)
    assert screen_fit.initial_size(QSize(1200, 720), room, QSize(1300, 700)) == QSize(1016, 522)
    big = QRect(0, 0, 1920, 1040)
    assert screen_fit.initial_size(QSize(1200, 720), big.size()) == QSize(1200, 720)


def test_main_window_placed_on_a_netbook(desktop: Desktop) -> None:
    window = desktop.window
    area = QRect(0, 0, 1024, 560)
    size = screen_fit.place(window, QSize(1200, 720), area=area)
    assert window.size() == size
    assert size.width() < 1024 and size.height() < 560  # was 1200×720 on any screen
    assert area.contains(window.frameGeometry()), window.frameGeometry()


def test_main_window_with_drafts_banner_at_1024_by_540(qtbot: QtBot, lang_desktop: Desktop) -> None:
    window = lang_desktop.window
    with lang_desktop.profile.db.session() as session:
        task = reports.find_task(session, "NV-2026-001")
        reports.create_draft(session, task, reports.ReportContent(progress=10))
    window.reload()
    qtbot.waitUntil(window.banner.isVisible)
    window.resize(ROOM)
    squeeze(window)
    assert window.size() == ROOM
    assert_usable(window)
    bar = window.statusBar()
    assert window.rect().contains(_rect_in(bar, window)) and bar.isVisible()
    for part in (window.connectivity_label, window.last_sync_label, window.waiting_label):
        assert part.visibleRegion().boundingRect() == part.rect(), part.text()
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        assert_usable(window)
    window.tabs.setCurrentIndex(0)


def test_overview_lists_show_rows_at_1024_by_540(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    with desktop.profile.db.session() as session:
        task = reports.find_task(session, "NV-2026-001")
        reports.create_draft(session, task, reports.ReportContent(progress=10))
    window.reload()
    qtbot.waitUntil(window.banner.isVisible)
    window.tabs.setCurrentWidget(window.dashboard)
    window.resize(ROOM)
    squeeze(window)
    overdue = window.dashboard.overdue
    assert overdue.count() >= 5
    # The chart gives up its blank room: five overdue tasks show without scrolling.
    assert overdue.viewport().height() >= 5 * overdue.sizeHintForRow(0)
    window.tabs.setCurrentIndex(0)


def test_report_editor_at_1024_by_540(lang_desktop: Desktop) -> None:
    window = lang_desktop.window
    assert window.select_task("NV-2026-002")
    window.new_report()
    editor = window.editor
    assert editor is not None
    editor.errors["results"].setText(LONG_ERROR)
    editor.errors["results"].show()
    editor.general_error.setText(LONG_ERROR)
    editor.general_error.show()
    squeeze(editor)
    assert_usable(editor)
    editor.close()


def test_login_dialog_with_a_long_error_at_1024_by_540(lang_desktop: Desktop) -> None:
    window = lang_desktop.window
    dialog = LoginDialog(lang_desktop.controller, "http://127.0.0.1:9", "cb.binhlieu", window)
    squeeze(dialog)
    before = dialog.password.height()
    dialog.show_message(LONG_ERROR)
    squeeze(dialog)
    assert_usable(dialog)
    # The error takes room of its own: the fields keep their height.
    assert dialog.password.height() >= before
    dialog.reject()


def test_settings_and_about_at_1024_by_540(lang_desktop: Desktop) -> None:
    window = lang_desktop.window
    settings = SettingsDialog(lang_desktop.profile.settings, window)
    settings.error.setText(LONG_ERROR)
    settings.error.show()
    about = AboutDialog("\n".join(f"line {i} " * 12 for i in range(60)), window)
    for dialog in (settings, about):
        squeeze(dialog)
        assert_usable(dialog)
        dialog.reject()


def test_message_boxes_and_file_dialog_at_1024_by_540(lang_desktop: Desktop) -> None:
    window = lang_desktop.window
    exporter = BundleExporter(window, lang_desktop.profile, InlineRunner(), lambda *_: None)
    exporter._show(QMessageBox.Icon.Information, LONG_ERROR * 3)
    crash = QMessageBox(QMessageBox.Icon.Warning, "dxdesk", LONG_ERROR, parent=window)
    crash.setDetailedText("Traceback\n" * 200)
    files = QFileDialog(window)
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    assert exporter.message is not None
    boxes: list[QDialog] = [exporter.message, crash, files]
    for box in boxes:
        squeeze(box)
        assert_usable(box)
        box.reject()


def test_unlock_screen_at_1024_by_540(qtbot: QtBot, tmp_path: Path, lang_desktop: Desktop) -> None:
    paths = Paths.under(tmp_path / "lock-home").ensure()
    enroll(paths, OFFICER, "mat-khau-A")
    unlocker = Unlocker(paths, Settings(), Tokens(MemoryTokenStore()))
    screen = UnlockScreen(unlocker, InlineRunner())
    qtbot.addWidget(screen)
    screen.show()
    screen.message.setText(LONG_ERROR + "\n" + LONG_ERROR)  # a refusal and its hint
    screen.message.show()
    screen.sign_in.ask_previous_password(LONG_ERROR)
    for page in (screen.unlock_page, screen.sign_in):
        screen.pages.setCurrentWidget(page)
        squeeze(screen)
        assert_usable(screen)


def test_saved_size_is_restored_only_while_it_fits(
    qtbot: QtBot, desktop: Desktop, ui_profile: Profile
) -> None:
    room = screen_fit.available_area(desktop.window).size() - screen_fit.FRAME_ESTIMATE

    def opened() -> Desktop:
        built = build(
            ClientSession(ui_profile, MemoryTokenStore()), InlineRunner(), start_sync=False
        )
        qtbot.addWidget(built.window)
        return built

    first = opened()
    first.window.resize(780, 500)
    first.close()  # as on lock or exit: the size is kept for this user
    assert window_size.saved(ui_profile) == QSize(780, 500)
    second = opened()
    assert second.window.size() == QSize(780, 500)
    too_big = QSize(room.width() + 300, room.height() + 200)  # as on a larger screen
    second.window.resize(too_big)
    second.close()
    assert window_size.saved(ui_profile) == too_big
    third = opened()
    assert third.window.size() == PREFERRED_SIZE.boundedTo(room)
    third.close()


def test_the_update_button_fits_a_crowded_status_bar_at_1024(
    qtbot: QtBot, lang_desktop: Desktop
) -> None:
    """The longest connectivity words, a last sync and a waiting count beside the
    update button, in each of its states: nothing cut off, nothing overlapping
    (docs/screenshots/statusbar-update-*-1024.png)."""
    window = lang_desktop.window
    language = lang_desktop.translations.language
    window.resize(ROOM)
    squeeze(window)
    window.connectivity_label.setText(Message("state_server_unreachable").text(language))
    window.last_sync_label.setText(window.tr("Last sync %1").replace("%1", "02/12/2026 07:30"))
    button = window.update_button
    states = [UpdateStatus(kind, "10.12.3", 19_800_000, 47_100_000)
              for kind in ("available", "downloading", "ready", "failed")]  # fmt: skip
    try:
        for installed, state in [("", s) for s in states] + [("10.12.3", states[0])]:
            button.installed, button.status = installed, state
            button.retranslate()
            button.show()
            layout = window.statusBar().layout()
            assert layout is not None
            layout.activate()
            QApplication.processEvents()
            parts: list[QWidget] = [window.connectivity_label, window.last_sync_label,
                                    window.waiting_label, button, window.sync_button]  # fmt: skip
            widths = [(_text(p), p.width(), p.sizeHint().width()) for p in parts]
            for part in parts:
                assert part.visibleRegion().boundingRect() == part.rect(), widths
                assert part.width() >= part.sizeHint().width(), widths
            edges = [(_rect_in(p, window).left(), _rect_in(p, window).right()) for p in parts]
            assert all(a[1] < b[0] for a, b in itertools.pairwise(edges)), button.text()
    finally:
        button.installed, button.status = "", UpdateStatus("none")
        button.hide()
