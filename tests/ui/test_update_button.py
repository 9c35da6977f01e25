"""The desktop offers a downloaded update in the status bar and installs it on OK."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from dxdesk import signing, updater
from dxdesk.messages import Message
from sync import deb_pending, deb_start, updates
from sync.update_status import UpdateStatus
from tests.sync import releases
from tests.sync.test_update_messages import english_words
from ui.desktop import Desktop
from ui.i18n import set_language_property
from ui.update_button import UpdateButton


def test_a_downloaded_update_is_offered_and_installed_on_the_officers_ok(
    desktop: Desktop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = desktop.window
    profile = window._profile
    key = signing.generate()
    profile.settings.release_public_key = signing.public_key_text(key)
    button = window.update_button
    assert button.isHidden()  # nothing downloaded: nothing offered

    archive = releases.archive(tmp_path / "build-0.2.0", "0.2.0")
    releases.downloaded(profile.paths.data, archive, "0.2.0", key)
    window._on_sync_finished(None)  # a round ended: the offer shows
    assert not button.isHidden()
    assert button.text() == "Cài bản mới 0.2.0"

    app = releases.portable_010(tmp_path)
    button.install_dir = app
    asked: list[str] = []
    told: list[str] = []

    def question(*args: Any) -> QMessageBox.StandardButton:
        asked.append(args[2])
        return QMessageBox.StandardButton.No if len(asked) == 1 else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "information", lambda *args: told.append(args[2]))
    button.click()  # the officer says no: nothing changes
    assert updater.current_version(app) is None and not told
    button.click()
    assert "0.2.0" in asked[1] and "nháp" in asked[1]
    assert updater.current_version(app) == "0.2.0"
    assert not told  # the restart is offered instead (tests/ui/test_update_restart.py)
    box = button.restart_box
    assert box is not None and box.isVisible()
    box.buttons()[1].click()  # later
    assert button.text() == "Khởi động lại (0.2.0)"  # no longer offered to install


class HeldRunner:
    """Keeps the jobs it is given, as the pool would while they run."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Any, Any, Any]] = []

    def run(self, job: Any, done: Any, failed: Any = None) -> None:
        self.jobs.append((job, done, failed))


def test_the_install_runs_off_the_gui_thread_and_the_button_waits_for_it(
    desktop: Desktop, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = HeldRunner()
    button = UpdateButton(desktop.window._profile, lambda: None, lambda: False, runner)
    button.status = UpdateStatus("ready", "0.2.0")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warned.append(args[2]))
    button.click()
    assert len(runner.jobs) == 1 and not button.isEnabled()  # handed over, not run here
    _job, done, _failed = runner.jobs[0]
    done(updater.Outcome(False, "0.2.0", "0.1.0", "no start"))
    assert button.isEnabled()
    assert warned == ["Không chạy được dxdesk 0.2.0, nên phiên bản 0.1.0 đã được dùng lại. "
                      "Dữ liệu không bị ảnh hưởng."]  # fmt: skip


@pytest.mark.parametrize("chosen", ["vi", "en"])
def test_a_tampered_update_is_refused_in_the_officers_language(
    desktop: Desktop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chosen: str
) -> None:
    set_language_property(desktop.app, chosen)
    profile = desktop.window._profile
    key = signing.generate()
    profile.settings.release_public_key = signing.public_key_text(key)
    archive = releases.archive(tmp_path / "build-0.2.0", "0.2.0")
    releases.downloaded(profile.paths.data, archive, "0.2.0", key)
    folder = profile.paths.data / updates.FOLDER
    (folder / archive.name).write_bytes(archive.read_bytes()[:-1] + b"X")
    button = desktop.window.update_button
    button.refresh()
    button.install_dir = releases.portable_010(tmp_path)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warned.append(args[2]))
    button.click()
    assert warned == [Message("update_refused_tampered", {"version": "0.2.0"}).text(chosen)]
    assert bool(english_words(warned[0])) == (chosen == "en")
    assert button.isHidden()  # refused and forgotten: nothing left to offer


def test_the_status_bar_says_where_the_update_stands(desktop: Desktop, tmp_path: Path) -> None:
    """Known, partly downloaded, ready, rolled back: each said, in Vietnamese."""
    profile = desktop.window._profile
    key = signing.generate()
    profile.settings.release_public_key = signing.public_key_text(key)
    archive = releases.archive(tmp_path / "build-0.2.0", "0.2.0", padding=40_000)
    releases.downloaded(profile.paths.data, archive, "0.2.0", key)
    folder = profile.paths.data / updates.FOLDER
    offer = updates.remembered(profile.paths.data)
    assert offer is not None
    button = desktop.window.update_button
    button.refresh()
    assert button.text() == "Cài bản mới 0.2.0"

    (folder / archive.name).unlink()  # only the offer: a sync named it, nothing held
    (folder / f"{archive.name}.release").unlink()
    button.refresh()
    assert button.text() == "Bản mới 0.2.0: chưa tải"
    assert "dữ liệu di động" in button.toolTip()

    data = archive.read_bytes()
    (folder / f"{offer.sha256}.part").write_bytes(data[: len(data) * 42 // 100 + 1])
    button.refresh()
    assert button.text() == "Đang tải 0.2.0: 42%"

    updater.note_failed(folder, "0.2.0", "the new version stopped at start (exit code 127)")
    button.refresh()
    assert button.text() == "Bản 0.2.0 lỗi khởi động"
    assert "không được tải lại" in button.toolTip()

    updates.remember(profile.paths.data, None)  # up to date
    button.refresh()
    assert button.isHidden()


def test_after_a_deb_update_rolled_back_at_start_the_status_bar_says_it_failed(
    desktop: Desktop, tmp_path: Path
) -> None:
    """A power cut stopped a .deb update before its start check; at the next start the
    helper put the previous version back (sync/deb_start.py). The offer a sync
    remembered still names that version: the status bar says it failed, in
    Vietnamese, instead of offering it to install again."""
    profile = desktop.window._profile
    key = signing.generate()
    profile.settings.release_public_key = signing.public_key_text(key)
    archive = releases.archive(tmp_path / "build-0.2.0", "0.2.0", padding=40_000)
    releases.downloaded(profile.paths.data, archive, "0.2.0", key)
    button = desktop.window.update_button
    button.refresh()
    assert button.text() == "Cài bản mới 0.2.0"

    state = tmp_path / "var-lib-dxdesk"
    state.mkdir()
    deb_pending.write(state, deb_pending.Pending("dxdesk", "0.2.0", "0.1.0", None))
    commands: list[list[str]] = []

    def helper_rolled_back(command: list[str]) -> int:
        commands.append(command)
        return updater.DEB_ROLLED_BACK

    downloads = profile.paths.data / updates.FOLDER
    done = deb_start.finish_at_start(state, helper_rolled_back, downloads)
    assert commands == [list(updater.RESOLVE_DEB_COMMAND)]
    assert done.replaced and done.said is not None
    assert done.said.code == "update_interrupted_rolled_back"
    button.refresh()
    assert button.text() == "Bản 0.2.0 lỗi khởi động"
    assert "không được tải lại" in button.toolTip()
