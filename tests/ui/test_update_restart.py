"""After an update is installed, "Restart now" saves the draft, closes the store,
starts the new version's program as a process of its own and quits.

The app is the real one (lock screen, unlock, background runner); the update is a
real portable install switched by ``dxdesk.updater``; the new version's program is
a script that records how it was started, run as a real process.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from dxdesk import reports, signing, updater
from dxdesk.identity import users
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from tests.sync import releases
from tests.ui.conftest import OFFICER, OFFICER_PASSWORD, WAIT_MS, ShellFactory
from tests.ui.keys import type_text
from tests.ui.test_lock_from_editor import signed_in_with_a_new_report


def restarts(marker: Path) -> str:
    """The new version: passes the self-check; started by the officer's shortcut,
    writes its version and arguments to ``marker``."""
    return (
        "#!/bin/sh\n"
        'if [ -n "$DXDESK_STARTED_OK" ]; then printf ok > "$DXDESK_STARTED_OK"; exit 0; fi\n'
        f'printf "%s\\n" "0.2.0 $*" > "{marker}"\n'
    )


def test_restart_now_saves_the_draft_closes_the_store_and_starts_the_new_version(
    qtbot: QtBot,
    make_shell: ShellFactory,
    ui_paths: Paths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shell, editor = signed_in_with_a_new_report(qtbot, make_shell, ui_paths)
    desktop = shell.desktop
    assert desktop is not None
    profile = desktop.profile
    key = signing.generate()
    profile.settings.release_public_key = signing.public_key_text(key)
    marker = tmp_path / "started.txt"
    archive = releases.archive(tmp_path / "build-0.2.0", "0.2.0", program=restarts(marker))
    releases.downloaded(profile.paths.data, archive, "0.2.0", key)
    app = releases.portable_010(tmp_path)
    button = desktop.window.update_button
    button.install_dir = app
    button.relaunch_arguments = ["--lang", "vi"]
    button.refresh()
    quits: list[bool] = []
    monkeypatch.setattr(shell.app, "quit", lambda: quits.append(True))
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)

    button.click()  # install: on the background runner
    qtbot.waitUntil(lambda: button.restart_box is not None, timeout=WAIT_MS)
    assert updater.current_version(app) == "0.2.0"
    assert button.text() == "Khởi động lại (0.2.0)"
    box = button.restart_box
    assert box is not None and box.isVisible()
    assert "0.2.0" in box.text() and [b.text() for b in box.buttons()] == [
        "Khởi động lại ngay", "Để sau"]  # fmt: skip
    type_text(editor.results, "Viết sau khi cài, trước khi khởi động lại")

    box.buttons()[0].click()  # "Khởi động lại ngay"

    assert quits == [True]
    assert shell.desktop is None  # this user's data closed, as for a lock
    started = shell.relaunched
    assert started is not None and started.wait(timeout=30) == 0
    assert marker.read_text().strip() == "0.2.0 --lang vi"  # the new version, same options
    unlocked = users.unlock(ui_paths, users.require_user(ui_paths, OFFICER.username),
                            OFFICER_PASSWORD)  # fmt: skip
    reopened = open_profile(ui_paths, user=unlocked)
    try:
        with reopened.db.session() as session:
            drafts = [item.report.results for item in reports.outbox(session)]
    finally:
        reopened.close()
    assert drafts == ["Viết sau khi cài, trước khi khởi động lại"]


def test_later_keeps_working_and_the_status_bar_offers_the_restart(
    qtbot: QtBot, make_shell: ShellFactory, ui_paths: Paths, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    shell, editor = signed_in_with_a_new_report(qtbot, make_shell, ui_paths)
    desktop = shell.desktop
    assert desktop is not None
    key = signing.generate()
    desktop.profile.settings.release_public_key = signing.public_key_text(key)
    marker = tmp_path / "started.txt"
    archive = releases.archive(tmp_path / "build-0.2.0", "0.2.0", program=restarts(marker))
    releases.downloaded(desktop.profile.paths.data, archive, "0.2.0", key)
    button = desktop.window.update_button
    button.install_dir = releases.portable_010(tmp_path)
    button.relaunch_arguments = []
    button.refresh()
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    button.click()
    qtbot.waitUntil(lambda: button.restart_box is not None, timeout=WAIT_MS)
    box = button.restart_box
    assert box is not None
    box.buttons()[1].click()  # "Để sau"
    assert shell.desktop is desktop and not marker.exists()
    assert button.isVisible() and button.text() == "Khởi động lại (0.2.0)"
    # A sync in flight: the restart waits for it.
    syncing = replace(desktop.controller.status, syncing=True)
    monkeypatch.setattr(desktop.controller, "status", syncing)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: told.append(args[2]))
    button.click()
    assert told == ["Đang đồng bộ: hãy khởi động lại khi đồng bộ xong."]
    assert shell.desktop is desktop and not marker.exists()
    editor.close()
