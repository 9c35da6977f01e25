"""The desktop offers a downloaded update in the status bar and installs it on OK."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from dxdesk import signing, updater
from tests.sync import releases
from ui.desktop import Desktop


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
    assert button.text() == "Có bản cập nhật 0.2.0 — cài đặt"

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
    assert told == ["Đã cài dxdesk 0.2.0. Hãy đóng dxdesk và mở lại để dùng bản mới."]
    assert button.isHidden()  # installed: no longer offered
