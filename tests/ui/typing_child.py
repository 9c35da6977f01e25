"""Child process for the SIGKILL test: opens the real window offscreen, types into a
report without end, and prints each autosave so the parent knows when to kill."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QTimer

from dxdesk.identity import users
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from sync.session import ClientSession
from tests.ui.conftest import OFFICER, OFFICER_PASSWORD
from tests.ui.keys import type_text
from ui.background_jobs import InlineRunner
from ui.desktop import build
from ui.report_editor import ReportEditor

TEXT = "Đã số hoá hồ sơ lưu trữ của Đảng uỷ xã; "


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    paths = Paths.under(Path(sys.argv[1]))
    unlocked = users.unlock(paths, users.require_user(paths, OFFICER.username), OFFICER_PASSWORD)
    profile = open_profile(paths, user=unlocked)
    desktop = build(ClientSession(profile, MemoryTokenStore(), unlocked=unlocked),
                    InlineRunner(), start_sync=False)  # fmt: skip
    window = desktop.window
    window.show()
    window.select_task("NV-2026-003")
    row = window.selected_row()
    assert row is not None
    task = window.whole_task(row)
    assert task is not None
    editor = ReportEditor(profile, task, parent=window, autosave_ms=100)
    editor.show()
    editor.results.setFocus()
    typed = {"n": 0}

    def on_saved(report_id: str) -> None:
        # The store trims surrounding spaces, so count what it keeps.
        print(f"saved {len(editor.results.toPlainText().strip())}", flush=True)

    def type_one() -> None:
        char = TEXT[typed["n"] % len(TEXT)]
        type_text(editor.results, char)
        typed["n"] += 1

    editor.saved.connect(on_saved)
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(type_one)
    timer.start()
    return desktop.app.exec()


if __name__ == "__main__":
    sys.exit(main())
