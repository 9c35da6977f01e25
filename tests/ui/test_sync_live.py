"""The window against a real ``dxdesk-server`` on 127.0.0.1: login when a sync
needs it, tasks arrive, the outbox updates as reports are accepted, returned
(with the reviewer's comment) and rejected (with the reason). Real background
threads: the window never waits on the network."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from dxdesk import reports, tasks
from dxdesk.credentials import MemoryTokenStore
from dxdesk.models import ReportState
from dxdesk.paths import Paths
from dxdesk.profile import Profile, open_profile
from dxdesk.settings import Settings
from tests.support.server import DEMO_PASSWORD, REVIEWER, RunningServer
from ui.app import Desktop, build
from ui.crash import CrashHandler
from ui.tasks_runner import PoolRunner

pytestmark = pytest.mark.slow
WAIT_MS = 60_000  # generous: a loaded CI machine; never a timing assertion


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path_factory.mktemp("ui-server")).start()
    yield running
    running.stop()


@pytest.fixture
def live(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[Desktop, Profile]]:
    paths = Paths.under(tmp_path / "officer").ensure()
    profile = open_profile(paths, Settings(language="vi"))
    errors: list[str] = []
    handler = CrashHandler(paths.log_file, show=lambda text, details: errors.append(details))
    desktop = build(profile, MemoryTokenStore(), PoolRunner(), crash=handler)
    qtbot.addWidget(desktop.window)
    desktop.window.show()
    yield desktop, profile
    desktop.close()
    profile.close()
    assert errors == []


def outbox_state(desktop: Desktop, report_id: str) -> ReportState | None:
    for item in desktop.window.outbox.model.items:
        if item.report.id == report_id:
            return item.report.state
    return None


def test_login_sync_and_live_outbox(
    qtbot: QtBot, server: RunningServer, live: tuple[Desktop, Profile]
) -> None:
    desktop, profile = live
    window = desktop.window
    assert window.model.rowCount() == 0

    # Sync asks for a login; the dialog logs in in the background and syncs.
    window.sync_now()
    dialog = window.login_dialog
    assert dialog is not None
    dialog.server.setText(server.url)
    dialog.user.setText("cb.halong")
    dialog.password.setText("sai-mat-khau")
    dialog.submit()
    qtbot.waitUntil(dialog.login_button.isEnabled, timeout=WAIT_MS)
    assert "Sai tên đăng nhập hoặc mật khẩu" in dialog.message.text()
    dialog.password.setText(DEMO_PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "Đồng bộ lần cuối" in window.last_sync_label.text(), timeout=WAIT_MS)
    assert window.connectivity_label.text() == "Đang trực tuyến"

    # A report written in the editor is accepted; the outbox shows it.
    window.outbox.show_accepted.setChecked(True)
    code = window.model.rows[0].task.code
    assert window.select_task(code)
    window.new_report()
    editor = window.editor
    assert editor is not None
    editor.spin.setValue(40)
    editor.results.setPlainText("Đã triển khai")
    assert editor.finalize()
    good = editor.report_id
    assert good is not None
    window.sync_now()
    qtbot.waitUntil(lambda: outbox_state(desktop, good) is ReportState.ACCEPTED, timeout=WAIT_MS)

    # A reviewer returns it: the comment shows in the outbox and the detail pane.
    comment = "Đề nghị bổ sung số liệu cụ thể."
    server.api("POST", f"/reports/{good}/return", REVIEWER, {"comment": comment})
    window.sync_now()
    qtbot.waitUntil(lambda: outbox_state(desktop, good) is ReportState.RETURNED, timeout=WAIT_MS)
    notes = [window.outbox.model.index(r, 4).data() for r in range(window.outbox.model.rowCount())]
    assert any(comment in (note or "") for note in notes)
    assert window.select_task(code)
    assert comment in window.detail.browser.toPlainText()

    # A report on a task the server never assigned is rejected with a reason.
    with profile.db.session() as session:
        stray = tasks.upsert(
            session, {"id": str(uuid.uuid4()), "code": "NV-LAC", "title": "Lạc", "unit_code": "X"}
        )
        session.commit()
        draft = reports.create_draft(
            session, stray, reports.ReportContent(progress=10, results="x")
        )
        bad = reports.finalize(session, profile.attachments, draft.id).id
    window.reload()
    window.sync_now()
    qtbot.waitUntil(lambda: outbox_state(desktop, bad) is ReportState.REJECTED, timeout=WAIT_MS)
    row = next(
        r for r in range(window.outbox.model.rowCount())
        if window.outbox.model.items[r].report.id == bad
    )  # fmt: skip
    assert window.outbox.model.index(row, 4).data().startswith("Bị từ chối: ")
