"""The "Export to USB stick" action, with a synchronous runner and no file dialog."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlmodel import col, select

from dxdesk import clock, demo_data, reports, sealing
from dxdesk.identity import device, trusted_server_key
from dxdesk.profile import Profile
from dxdesk.reports import ReportContent
from dxdesk.store.models import Report, Task
from tests.support.profiles import new_user_profile
from ui.background_jobs import InlineRunner
from ui.bundle_actions import export_bundle_dialog
from ui.desktop import Desktop


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Profile]:
    opened = new_user_profile(tmp_path / "home", "cb.binhlieu")
    with opened.db.session() as session:
        demo_data.load(session, clock.reference_date(None))
        session.commit()
    yield opened
    opened.close()


def _registered(profile: Profile) -> None:
    """What a login leaves behind: a registered key and the server's sealing key."""
    with profile.db.session() as session:
        device.mark_registered(session, str(uuid.uuid4()), device.signing_key(session))
        trusted_server_key.remember(session, sealing.public_key_text(sealing.generate()))
        task = session.exec(select(Task).order_by(col(Task.code))).first()
        assert task is not None
        draft = reports.create_draft(session, task, ReportContent(progress=20, results="Đợt 1"))
        reports.finalize(session, profile.attachments, draft.id)


def test_export_writes_the_file_and_says_so(qtbot: QtBot, profile: Profile, tmp_path: Path) -> None:
    _registered(profile)
    window = QWidget()
    qtbot.addWidget(window)
    target = tmp_path / "stick" / "a.dxbundle"
    target.parent.mkdir()
    exporter = export_bundle_dialog(window, profile, InlineRunner(), lambda _p, _s: target)
    assert target.read_bytes().startswith(b"DXDESK-BUNDLE 1\n")
    assert exporter.message is not None
    assert exporter.message.icon() is QMessageBox.Icon.Information
    assert str(target) in exporter.message.text()
    with profile.db.session() as session:
        assert all(r.awaiting_receipt for r in session.exec(select(Report)))


def test_a_profile_that_never_logged_in_is_told_to(
    qtbot: QtBot, profile: Profile, tmp_path: Path
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    target = tmp_path / "b.dxbundle"
    exporter = export_bundle_dialog(window, profile, InlineRunner(), lambda _p, _s: target)
    assert not target.exists()
    assert exporter.message is not None
    assert exporter.message.icon() is QMessageBox.Icon.Warning
    assert "đăng nhập" in exporter.message.text()  # the UI's language: Vietnamese by default


def test_cancelling_the_dialog_does_nothing(qtbot: QtBot, profile: Profile) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    exporter = export_bundle_dialog(window, profile, InlineRunner(), lambda _p, _s: None)
    assert exporter.message is None


def test_main_window_action_exports_and_the_outbox_says_awaiting_receipt(
    qtbot: QtBot, desktop: Desktop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = desktop.window
    profile = window._profile
    _registered(profile)
    target = tmp_path / "usb.dxbundle"
    monkeypatch.setattr("ui.bundle_actions._ask_path", lambda _parent, _suggested: target)
    window.export_action.trigger()
    assert target.read_bytes().startswith(b"DXDESK-BUNDLE 1\n")
    model = window.outbox.model

    def shows_awaiting() -> bool:
        texts = {model.index(r, 3).data() for r in range(model.rowCount())}
        return "Đã ở USB, chờ biên nhận" in texts

    qtbot.waitUntil(shows_awaiting, timeout=10_000)
    assert window.export_action.text() == "Sang USB…"
