"""What the window says about syncing, against real servers on 127.0.0.1: a sync
says what it sent and received; the detail pane and the outbox show a report's new
state after the sync (the outbox keeps a just-accepted report in view); the last
sync time survives a restart; a closed port, a server answering 503 and a computer
with no route out are three different status texts."""

from __future__ import annotations

import errno
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from pytestqt.qtbot import QtBot

from dxdesk import local_state
from dxdesk.identity.credentials import account_name
from dxdesk.paths import Paths
from dxdesk.settings import Settings
from dxdesk.settings import save as save_settings
from dxdesk.store.models import ReportState
from sync import client_account
from sync.local_server import free_port
from sync.protocol import PingOut
from sync.transport import Failure, Transport, TransportError, no_route
from tests.support.server import DEMO_PASSWORD, RunningServer
from tests.ui.conftest import OFFICER, ShellFactory, opened
from tests.ui.test_sync_live import first_login, outbox_state
from ui.desktop import Desktop

WAIT_MS = 60_000  # generous: a loaded machine; never a timing assertion


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path_factory.mktemp("feedback-server")).start()
    yield running
    running.stop()


@pytest.fixture
def officer_home(tmp_path: Path) -> Paths:
    paths = Paths.under(tmp_path / "officer").ensure()
    save_settings(Settings(language="vi"), paths.settings_file)
    return paths


@pytest.mark.slow
def test_a_sync_says_what_it_did_and_the_views_follow(
    qtbot: QtBot, server: RunningServer, officer_home: Paths, make_shell: ShellFactory
) -> None:
    shell = make_shell(officer_home, start_sync=True)
    first_login(qtbot, shell, server, "cb.halong", DEMO_PASSWORD)
    window = opened(qtbot, shell).window
    bar = window.statusBar()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=WAIT_MS)
    # The first sync brought the tasks: it says so, not just the table filling up.
    qtbot.waitUntil(lambda: "Đã gửi 0 báo cáo, nhận" in bar.currentMessage(), timeout=WAIT_MS)

    code = window.model.rows[0].task.code
    assert window.select_task(code)
    window.new_report()
    editor = window.editor
    assert editor is not None
    editor.spin.setValue(30)
    editor.results.setPlainText("Đã họp triển khai")
    finalized: list[str] = []
    editor.finalized.connect(finalized.append)
    editor.finalize()  # in the background; the editor closes itself after
    qtbot.waitUntil(lambda: bool(finalized), timeout=WAIT_MS)
    [sent] = finalized
    qtbot.waitUntil(lambda: outbox_state(window_desktop(shell), sent) is ReportState.QUEUED)
    qtbot.waitUntil(lambda: "Chờ gửi" in window.detail.browser.toPlainText(), timeout=WAIT_MS)

    window.sync_now()
    qtbot.waitUntil(lambda: "Đã gửi 1 báo cáo, nhận" in bar.currentMessage(), timeout=WAIT_MS)
    # "Show accepted" is off, yet the outbox keeps the report just accepted in view.
    assert not window.outbox.show_accepted.isChecked()
    qtbot.waitUntil(lambda: outbox_state(window_desktop(shell), sent) is ReportState.ACCEPTED)
    # The task stayed selected: its history says what the server did, not "waiting".
    # (the history is read in the background)
    qtbot.waitUntil(
        lambda: "Máy chủ đã nhận" in window.detail.browser.toPlainText(), timeout=WAIT_MS
    )
    assert "Chờ gửi" not in window.detail.browser.toPlainText()

    window.sync_now()
    qtbot.waitUntil(lambda: "không có gì để gửi" in bar.currentMessage(), timeout=WAIT_MS)
    window.set_language("en")
    window.sync_now()
    qtbot.waitUntil(lambda: "nothing to send" in bar.currentMessage(), timeout=WAIT_MS)
    window.set_language("vi")


def window_desktop(shell: object) -> Desktop:
    desktop = getattr(shell, "desktop", None)
    assert isinstance(desktop, Desktop)
    return desktop


@pytest.mark.slow
def test_the_last_sync_time_survives_a_restart(
    qtbot: QtBot, server: RunningServer, officer_home: Paths, make_shell: ShellFactory
) -> None:
    shell = make_shell(officer_home, start_sync=True)
    first_login(qtbot, shell, server, "cb.halong", DEMO_PASSWORD)
    window = opened(qtbot, shell).window
    qtbot.waitUntil(lambda: "Đồng bộ lần cuối" in window.last_sync_label.text(), timeout=WAIT_MS)
    shown = window.last_sync_label.text()
    shell.close()

    # The next start, before any sync (none is started): the same time, not "never".
    again = make_shell(officer_home)
    screen = again.screen
    screen.password.setText(DEMO_PASSWORD)
    screen.unlock()
    window = opened(qtbot, again).window
    assert window.last_sync_label.text() == shown


# -- offline, server down, server failing ------------------------------------------


class _Failing(BaseHTTPRequestHandler):
    """A server that is up and answers every request with 503 (maintenance)."""

    def _answer(self) -> None:
        body = json.dumps({"error": {"code": "maintenance", "message": "Bảo trì"}}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer  # noqa: N815 (http.server's names)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def failing_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def sync_against(qtbot: QtBot, desktop: Desktop, url: str) -> str:
    """Point the signed-in officer's profile at ``url`` and let the real scheduler
    sync there once; the connectivity text it ends with."""
    profile = desktop.profile
    profile.settings.server_url = url
    with profile.db.session() as session:
        local_state.put(session, client_account.USERNAME, OFFICER.username)
        client_account.held_by(session, desktop.controller._session.tokens).put(
            account_name(url, OFFICER.username), "a-token"
        )
        session.commit()
    controller, label = desktop.controller, desktop.window.connectivity_label
    controller.settings_changed()
    before = label.text()
    controller.start()

    def failed() -> bool:
        # The status object changes on the sync's thread, the label when its signal
        # reaches the window: wait for the label to leave "not connected yet" too.
        summary = controller.status.last_summary
        waiting = {before, "Chưa kết nối"}
        return summary is not None and summary.failure is not None and label.text() not in waiting

    qtbot.waitUntil(failed, timeout=WAIT_MS)
    return label.text()


@pytest.mark.slow
def test_a_closed_port_is_the_server_unreachable_not_no_network(
    qtbot: QtBot, desktop: Desktop
) -> None:
    text = sync_against(qtbot, desktop, f"http://127.0.0.1:{free_port()}")
    assert text == "Không kết nối được máy chủ — báo cáo được giữ trên máy này"
    assert "Mất mạng" not in text


@pytest.mark.slow
def test_a_server_answering_503_is_a_server_problem(
    qtbot: QtBot, desktop: Desktop, failing_server: str
) -> None:
    text = sync_against(qtbot, desktop, failing_server)
    assert text == "Máy chủ đang gặp sự cố — báo cáo được giữ trên máy này"
    desktop.window.set_language("en")
    assert desktop.window.connectivity_label.text().startswith("The server has a problem")


def test_no_route_out_is_no_network_and_a_refusal_is_not() -> None:
    # A real refusal from a closed port, as requests reports it: the network works.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        requests.get(f"http://127.0.0.1:{port}/ping", timeout=5)
    except requests.ConnectionError as refused:
        assert not no_route(refused)
    else:
        pytest.fail("a closed port answered")
    transport = Transport(f"http://127.0.0.1:{port}", allow_http=True, connect_timeout_s=5)
    with pytest.raises(TransportError) as caught:
        transport.call("GET", "/ping", PingOut, auth=False)
    assert caught.value.failure is Failure.OFFLINE
    # The same chain with the OS's "network is unreachable" at its root.
    unreachable = OSError(errno.ENETUNREACH, "Network is unreachable")
    wrapped = requests.ConnectionError(unreachable)
    wrapped.__context__ = unreachable
    assert no_route(requests.ConnectionError(wrapped))
