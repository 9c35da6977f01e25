"""The lock screen on a user's store that is damaged or gone (issue 15, item 13): the
same sentence as the command line, the lock screen stays, no crash, and the other
user on this PC still opens."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from dxdesk.identity import users
from dxdesk.messages import Message
from dxdesk.paths import Paths
from tests.ui.conftest import OFFICER_PASSWORD, ShellFactory, opened
from tests.ui.test_unlock import OTHER_PASSWORD, two_users, unlock

__all__ = ["two_users"]  # the fixture, shared with test_unlock


def _store(paths: Paths, username: str) -> Path:
    return users.require_user(paths, username).folder(paths).database


def test_a_damaged_store_is_said_at_unlock_and_nothing_opens(
    qtbot: QtBot, make_shell: ShellFactory, two_users: Paths
) -> None:
    store = _store(two_users, "cb.binhlieu")
    data = bytearray(store.read_bytes())
    data[-100] ^= 0xFF
    store.write_bytes(bytes(data))
    shell = make_shell(two_users)
    unlock(qtbot, shell, "cb.binhlieu", OFFICER_PASSWORD)
    assert shell.desktop is None and shell.screen.isVisible()
    shown = shell.screen.message.text()
    assert shown.startswith(f"Dữ liệu {store} bị hỏng (HMAC"), shown
    assert str(store.parent / "backups") in shown
    assert store.read_bytes() == bytes(data)
    unlock(qtbot, shell, "cb.halong", OTHER_PASSWORD)  # the other user's data is fine
    opened(qtbot, shell)


def test_a_missing_store_is_said_at_unlock_and_not_recreated(
    qtbot: QtBot, make_shell: ShellFactory, two_users: Paths
) -> None:
    store = _store(two_users, "cb.binhlieu")
    store.unlink()
    shell = make_shell(two_users)
    unlock(qtbot, shell, "cb.binhlieu", OFFICER_PASSWORD)
    assert shell.desktop is None and shell.screen.isVisible()
    key_file = store.with_name("key.json")
    expected = Message(
        "store_lost",
        {"path": str(store), "key_file": str(key_file), "backups": str(store.parent / "backups")},
    ).text("vi")
    assert shell.screen.message.text() == expected
    assert not store.exists()
