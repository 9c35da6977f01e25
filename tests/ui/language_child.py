"""Child process for the language-switch test: a crash there is a segfault, which
would take pytest down with it. Selects a task under a sorted, filtered and searched
proxy, switches language from the toolbar and from Settings, and prints the
selected task and the tab's text after each switch."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from dxdesk.identity import users
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from sync.session import ClientSession
from tests.ui.conftest import OFFICER, OFFICER_PASSWORD
from tests.ui.keys import type_text
from ui.background_jobs import InlineRunner
from ui.desktop import build
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog
from ui.tasks_model import Column, QuickFilter


def answer_settings(language: str) -> None:
    """Settings → Ngôn ngữ, then Save, as the officer does in the modal dialog."""
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, SettingsDialog), dialog
    dialog.language.setCurrentIndex(dialog.language.findData(language))
    dialog.save_button.click()


def report(window: MainWindow, how: str) -> None:
    row = window.selected_row()
    code = row.task.code if row is not None else "-"
    print(f"{how}|{window.tabs.tabText(0)}|{code}", flush=True)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    paths = Paths.under(Path(sys.argv[1]))
    unlocked = users.unlock(paths, users.require_user(paths, OFFICER.username), OFFICER_PASSWORD)
    profile = open_profile(paths, user=unlocked)
    desktop = build(ClientSession(profile, MemoryTokenStore(), unlocked=unlocked),
                    InlineRunner(), start_sync=False)  # fmt: skip
    window = desktop.window
    window.show()
    window.table.sortByColumn(Column.PROGRESS, Qt.SortOrder.DescendingOrder)
    window.set_quick_filter(QuickFilter.IN_PROGRESS)
    type_text(window.search, "xa")
    shown = window.proxy.rowCount()
    chosen = window.proxy.row_at(window.proxy.index(shown // 2, 0))
    assert chosen is not None and shown > 2
    assert window.select_task(chosen.task.code)
    report(window, "selected")
    for _ in range(3):
        window.language_action.trigger()
        QApplication.processEvents()
        report(window, "toolbar")
    for language in ("en", "vi", "en", "vi"):
        QTimer.singleShot(0, lambda chosen=language: answer_settings(chosen))
        window.open_settings()
        QApplication.processEvents()
        report(window, "settings")
    desktop.close()
    profile.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
