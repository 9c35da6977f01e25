"""The app against a real ``dxdesk-server`` on 127.0.0.1: the first login on the
lock screen, tasks arrive, the outbox updates as reports are accepted, returned
(with the reviewer's comment) and rejected (with the reason); a password changed on
the server. Real background threads: the window never waits on the network."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pytestqt.qtbot import QtBot

from dxdesk import reports, tasks
from dxdesk.identity import users
from dxdesk.paths import Paths
from dxdesk.settings import Settings
from dxdesk.settings import load as load_settings
from dxdesk.settings import save as save_settings
from dxdesk.store.models import ReportState
from tests.support.server import DEMO_PASSWORD, REVIEWER, RunningServer
from tests.ui.conftest import ShellFactory, locked, opened
from ui.desktop import Desktop
from ui.shell import Shell

if TYPE_CHECKING:
    from ui.lock.unlocking import UserSession

pytestmark = pytest.mark.slow
WAIT_MS = 60_000  # generous: a loaded CI machine; never a timing assertion


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path_factory.mktemp("ui-server")).start()
    yield running
    running.stop()


def first_login(
    qtbot: QtBot, shell: Shell, server: RunningServer, user: str, password: str
) -> None:
    form = shell.screen.sign_in
    assert shell.screen.pages.currentWidget() is form
    form.server.setText(server.url)
    form.user.setText(user)
    form.password.setText(password)
    form.submit()
    qtbot.waitUntil(lambda: not shell.screen.busy, timeout=WAIT_MS)


@pytest.fixture
def officer_home(tmp_path: Path) -> Paths:
    """A PC where nobody has logged in yet."""
    paths = Paths.under(tmp_path / "officer").ensure()
    save_settings(Settings(language="vi"), paths.settings_file)
    return paths


def outbox_state(desktop: Desktop, report_id: str) -> ReportState | None:
    for item in desktop.window.outbox.model.items:
        if item.report.id == report_id:
            return item.report.state
    return None


def test_login_sync_and_live_outbox(
    qtbot: QtBot, server: RunningServer, officer_home: Paths, make_shell: ShellFactory
) -> None:
    # Nobody has used this PC: the lock screen starts at the online login, which
    # explains a wrong password, then creates the officer's encrypted folder.
    shell = make_shell(officer_home, start_sync=True)
    first_login(qtbot, shell, server, "cb.halong", "sai-mat-khau")
    assert "Sai tên đăng nhập hoặc mật khẩu" in shell.screen.sign_in.message.text()
    assert locked(shell)
    first_login(qtbot, shell, server, "cb.halong", DEMO_PASSWORD)
    desktop = opened(qtbot, shell)
    window, profile = desktop.window, desktop.profile
    assert users.require_user(officer_home, "cb.halong").full_name == "Cán bộ Phường Hạ Long"

    # It syncs in the background straight away: the tasks arrive.
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
    finalized: list[str] = []
    editor.finalized.connect(finalized.append)
    editor.finalize()  # in the background: the window waits for its answer
    qtbot.waitUntil(lambda: bool(finalized), timeout=WAIT_MS)  # then the editor goes
    [good] = finalized
    window.sync_now()
    qtbot.waitUntil(lambda: outbox_state(desktop, good) is ReportState.ACCEPTED, timeout=WAIT_MS)

    # A reviewer returns it: the comment shows in the outbox and the detail pane.
    comment = "Đề nghị bổ sung số liệu cụ thể."
    server.api("POST", f"/reports/{good}/return", REVIEWER, {"comment": comment})
    window.sync_now()
    qtbot.waitUntil(lambda: outbox_state(desktop, good) is ReportState.RETURNED, timeout=WAIT_MS)
    notes = [window.outbox.model.index(r, 4).data() for r in range(window.outbox.model.rowCount())]
    assert any(comment in (note or "") for note in notes)
    assert window.select_task(code)  # its reports are read in the background
    qtbot.waitUntil(lambda: comment in window.detail.browser.toPlainText(), timeout=WAIT_MS)

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


def test_the_desktop_syncs_through_the_session_that_signed_in(
    qtbot: QtBot, server: RunningServer, officer_home: Paths, make_shell: ShellFactory
) -> None:
    """One client session per open profile: the lock screen's sign-in hands its own
    to the desktop (no second one built there), with the address it answered on
    saved and its token in hand."""
    shell = make_shell(officer_home)
    signed_in: list[UserSession] = []
    shell.screen.opened.connect(signed_in.append)
    first_login(qtbot, shell, server, "cb.halong", DEMO_PASSWORD)
    desktop = opened(qtbot, shell)
    [user_session] = signed_in
    assert desktop.controller._session is user_session.client
    assert desktop.profile is user_session.profile
    assert load_settings(officer_home.settings_file).server_url == server.url
    assert desktop.controller.has_token()


def test_a_password_changed_on_the_server_then_opens_the_data_offline(
    qtbot: QtBot, server: RunningServer, officer_home: Paths, make_shell: ShellFactory
) -> None:
    """The in-app login (a sync needs a new token) re-wraps the data key with the
    new password, so the next offline unlock takes the new one."""
    user = ("user", "add", "cb.doimk", "--role", "officer", "--unit", "QN-COTO",
            "--full-name", "Lê Văn C", "--password-stdin")  # fmt: skip
    server.admin(*user, stdin="mk-cu-2026\n")
    shell = make_shell(officer_home)
    first_login(qtbot, shell, server, "cb.doimk", "mk-cu-2026")
    window = opened(qtbot, shell).window

    server.admin(*user, "--replace", stdin="mk-moi-2026\n")
    window.ask_login()
    dialog = window.login_dialog
    assert dialog is not None
    assert dialog.user.text() == "cb.doimk" and dialog.user.isReadOnly()
    dialog.password.setText("mk-moi-2026")
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)

    window.lock_action.trigger()
    screen = shell.screen
    screen.password.setText("mk-cu-2026")
    screen.unlock()
    qtbot.waitUntil(lambda: not screen.busy, timeout=WAIT_MS)
    assert screen.message.text().startswith("Sai mật khẩu")
    screen.password.setText("mk-moi-2026")
    screen.unlock()
    window = opened(qtbot, shell).window

    # Changed again, and this time the lock screen's login is the first to hear of
    # it: it asks for the previous password once, then opens the same data.
    server.admin(*user, "--replace", stdin="mk-ba-2026\n")
    window.switch_user_action.trigger()
    screen.other_button.click()
    first_login(qtbot, shell, server, "cb.doimk", "mk-ba-2026")
    form = screen.sign_in
    assert locked(shell)
    assert "mật khẩu cũ" in form.message.text()
    assert form.previous.isVisibleTo(form)
    form.password.setText("mk-ba-2026")
    form.previous.setText("mk-moi-2026")
    form.submit()
    opened(qtbot, shell)
    assert len(users.UserIndex(officer_home).all()) == 1  # the same folder, re-wrapped
