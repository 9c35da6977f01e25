"""The lock screen: who has used this PC, their password opens their data offline,
wrong passwords are refused (and slowed down), a remembered key opens without a
password, and locking or switching user never shows one user's data to another."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from dxdesk import reports
from dxdesk.identity import users
from dxdesk.identity.credentials import KeyringTokenStore
from dxdesk.identity.users import KnownUser
from dxdesk.paths import Paths
from dxdesk.reports import ReportContent
from dxdesk.settings import Settings
from dxdesk.settings import save as save_settings
from tests.support.file_keyring import FILE_ENV, FileKeyring
from tests.ui.conftest import (
    OFFICER,
    OFFICER_PASSWORD,
    SERVER,
    WAIT_MS,
    FakeClock,
    ShellFactory,
    enroll,
    locked,
    open_with_demo_tasks,
    opened,
)
from ui.desktop import Desktop
from ui.shell import Shell

REPO = Path(__file__).resolve().parents[2]
OTHER = KnownUser("cb.halong", SERVER, "Trần Thị B", "QN-HALONG")
OTHER_PASSWORD = "mat-khau-B"


@pytest.fixture
def two_users(ui_paths: Paths) -> Paths:
    """A then B have logged in here (B most recently); each wrote one draft."""
    for user, password, text in ((OFFICER, OFFICER_PASSWORD, "Báo cáo của A"),
                                 (OTHER, OTHER_PASSWORD, "Báo cáo của B")):  # fmt: skip
        profile = open_with_demo_tasks(ui_paths, enroll(ui_paths, user, password), Settings())
        with profile.db.session() as session:
            task = reports.find_task(session, "NV-2026-003")
            reports.create_draft(session, task, ReportContent(progress=10, results=text))
        profile.close()
    return ui_paths


@pytest.fixture
def keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeyringTokenStore:
    """A persistent keyring, as Windows' Credential Manager would be."""
    monkeypatch.setenv(FILE_ENV, str(tmp_path / "keyring.json"))
    backend: Any = FileKeyring  # keyring's classes are untyped
    return KeyringTokenStore(backend())


def choose(shell: Shell, username: str) -> None:
    screen = shell.screen
    row = [u.username for u in screen.known_users].index(username)
    screen.user_list.setCurrentRow(row)


def unlock(qtbot: QtBot, shell: Shell, username: str, password: str) -> None:
    choose(shell, username)
    shell.screen.password.setText(password)
    shell.screen.unlock_button.click()
    qtbot.waitUntil(lambda: not shell.screen.busy, timeout=WAIT_MS)


def selected(shell: Shell) -> str:
    user = shell.screen.selected_user()
    return user.username if user is not None else ""


def drafts_shown(desktop: Desktop) -> list[str]:
    return sorted(item.report.results for item in desktop.window.outbox.model.items)


def test_lists_who_used_this_pc_most_recent_first(
    make_shell: ShellFactory, two_users: Paths
) -> None:
    shell = make_shell(two_users)
    screen = shell.screen
    labels = [screen.user_list.item(r).text() for r in range(screen.user_list.count())]
    assert labels == ["Trần Thị B (cb.halong)", "Nguyễn Văn A (cb.binhlieu)"]
    assert screen.selected_user() == users.require_user(two_users, "cb.halong")
    assert screen.unlock_button.text() == "Mở khoá"
    assert screen.other_button.text() == "Người dùng khác / đăng nhập"
    assert screen.remember.check.text() == "Ghi nhớ trên máy này (không hỏi mật khẩu)"
    assert not screen.remember.check.isChecked()
    assert "không ai khác dùng" in screen.remember.hint.text()
    assert shell.desktop is None


def test_wrong_password_is_refused_and_opens_nothing(
    qtbot: QtBot, make_shell: ShellFactory, two_users: Paths
) -> None:
    shell = make_shell(two_users)
    unlock(qtbot, shell, "cb.binhlieu", "khong-dung")
    assert shell.desktop is None
    assert shell.screen.isVisible()
    first, hint = shell.screen.message.text().split("\n")
    assert first == "Sai mật khẩu. Còn 4 lần thử trước khi phải chờ."
    assert hint.startswith("Đã đổi mật khẩu trên máy chủ?")
    assert shell.screen.password.text() == ""  # typed afresh


def test_right_password_opens_that_users_tasks(
    qtbot: QtBot, make_shell: ShellFactory, two_users: Paths
) -> None:
    shell = make_shell(two_users)
    unlock(qtbot, shell, "cb.binhlieu", OFFICER_PASSWORD)
    desktop = opened(qtbot, shell)
    window = desktop.window
    assert window.model.rowCount() == 30
    assert drafts_shown(desktop) == ["Báo cáo của A"]
    assert window.user_button.text() == "Nguyễn Văn A (cb.binhlieu) ▾"
    assert not shell.screen.isVisible()


def test_lockout_after_five_wrong_passwords(
    qtbot: QtBot, make_shell: ShellFactory, two_users: Paths
) -> None:
    clock = FakeClock()
    shell = make_shell(two_users, clock=clock)
    for _ in range(5):
        unlock(qtbot, shell, "cb.binhlieu", "doan-mo")
    assert shell.screen.message.text().startswith(
        "Sai mật khẩu. Lần thử tiếp theo phải chờ 30 giây."
    )
    # Even the right password waits out the lockout.
    unlock(qtbot, shell, "cb.binhlieu", OFFICER_PASSWORD)
    assert "Nhập sai mật khẩu quá nhiều lần" in shell.screen.message.text()
    assert shell.desktop is None
    clock.now += 31
    unlock(qtbot, shell, "cb.binhlieu", OFFICER_PASSWORD)
    opened(qtbot, shell)


def test_switch_user_and_lock_never_mix_two_users_data(
    qtbot: QtBot, make_shell: ShellFactory, two_users: Paths
) -> None:
    shell = make_shell(two_users)
    unlock(qtbot, shell, "cb.binhlieu", OFFICER_PASSWORD)
    first = opened(qtbot, shell)
    assert drafts_shown(first) == ["Báo cáo của A"]

    first.window.switch_user_action.trigger()
    assert locked(shell) and not first.window.isVisible()
    assert selected(shell) == "cb.halong"  # the other one
    unlock(qtbot, shell, "cb.halong", OTHER_PASSWORD)
    second = opened(qtbot, shell)
    assert drafts_shown(second) == ["Báo cáo của B"]
    assert second.window is not first.window

    second.window.lock_action.trigger()  # Ctrl+L
    assert locked(shell)
    assert selected(shell) == "cb.halong"  # the same one
    unlock(qtbot, shell, "cb.binhlieu", OFFICER_PASSWORD)
    assert drafts_shown(opened(qtbot, shell)) == ["Báo cáo của A"]


def test_lock_is_ctrl_l(qtbot: QtBot, make_shell: ShellFactory, two_users: Paths) -> None:
    shell = make_shell(two_users)
    unlock(qtbot, shell, "cb.halong", OTHER_PASSWORD)
    window = opened(qtbot, shell).window
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    assert window.lock_action.text() == "Khoá"
    assert window.switch_user_action.text() == "Đổi người dùng…"
    assert window.user_button.text() == "Trần Thị B (cb.halong) ▾"


def test_a_remembered_key_opens_without_a_password(
    qtbot: QtBot, make_shell: ShellFactory, two_users: Paths, keyring: KeyringTokenStore
) -> None:
    shell = make_shell(two_users, keyring)
    unlock(qtbot, shell, "cb.halong", OTHER_PASSWORD)
    opened(qtbot, shell).window.lock_action.trigger()
    assert keyring.get("data-key:" + OTHER.account) is None  # not asked to: not kept

    # B chooses to be remembered on this (their own) PC.
    choose(shell, "cb.halong")
    shell.screen.remember.check.setChecked(True)
    unlock(qtbot, shell, "cb.halong", OTHER_PASSWORD)
    opened(qtbot, shell)
    assert keyring.get("data-key:" + OTHER.account)
    shell.close()
    shell.screen.close()

    # The next start opens B's data straight away: no password asked.
    again = make_shell(two_users, keyring)
    desktop = opened(qtbot, again)
    assert drafts_shown(desktop) == ["Báo cáo của B"]

    # A lock stays locked; "Unlock" then needs no password, and forgetting works.
    desktop.window.lock_action.trigger()
    screen = again.screen
    assert locked(again)
    assert screen.remembered_row.isVisibleTo(screen) and not screen.password.isVisibleTo(screen)
    screen.forget_button.click()
    qtbot.waitUntil(lambda: screen.password.isVisibleTo(screen), timeout=WAIT_MS)
    assert keyring.get("data-key:" + OTHER.account) is None


def test_without_users_the_login_form_comes_first(
    make_shell: ShellFactory, ui_paths: Paths
) -> None:
    settings = Settings(language="vi", server_url="https://dx.quangninh.gov.vn")
    save_settings(settings, ui_paths.settings_file)
    shell = make_shell(ui_paths)
    screen = shell.screen
    assert screen.pages.currentWidget() is screen.sign_in
    assert screen.sign_in.server.text() == "https://dx.quangninh.gov.vn"
    assert not screen.sign_in.back_button.isVisibleTo(screen)


def test_the_first_window_needs_none_of_the_heavy_core(ui_paths: Paths) -> None:
    """What ``dxdesk`` runs before its first window imports no store, no server
    client and no sync engine: they load behind the lock screen. Nor OpenSSL
    (``hashlib``, ``secrets``), nor PySide6's ``Qt`` namespace (~25 ms to build;
    it came back once through a module-level import in ``ui.i18n``)."""
    enroll(ui_paths, OFFICER, OFFICER_PASSWORD)
    code = (
        "import sys\n"
        "from ui import launcher\n"
        "from ui.app import open_window\n"
        "options = launcher.window_options(['--home', sys.argv[1]])\n"
        "shell = open_window(options)\n"
        "import PySide6.QtCore\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'pydantic', 'requests', 'sync.engine',\n"
        "         'ui.main_window', 'hashlib', 'secrets')\n"
        "found = [m for m in heavy if m in sys.modules]\n"
        "found += ['Qt namespace'] if 'Qt' in vars(PySide6.QtCore) else []\n"
        "print(found, shell.screen.isVisible())\n"
    )
    home = ui_paths.data.parent
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code, str(home)], capture_output=True, text=True, env=env,
        timeout=120, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "[] True"


def test_the_desktop_needs_no_http_library_until_the_first_sync() -> None:
    """requests and its kin (~50 ms) load with the first Transport, on the runner,
    not on the way to a remembered user's task list."""
    code = (
        "import sys\n"
        "import ui.desktop\n"
        "before = [m for m in ('requests', 'urllib3') if m in sys.modules]\n"
        "from sync.transport import Transport\n"
        "Transport('https://dx.example.gov.vn')\n"
        "print(before, 'requests' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env,
        timeout=120, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "[] True", result.stderr
