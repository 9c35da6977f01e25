"""Opening a user's data offline (dxdesk.identity.unlock): the one path the command line and
the lock screen both take, each unlock audited with how it was done."""

from __future__ import annotations

import pytest
from sqlmodel import select

from dxdesk.errors import DxdeskError
from dxdesk.identity import unlock, users
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.identity.unlock import Opened
from dxdesk.paths import Paths
from dxdesk.settings import Settings
from dxdesk.store.models import AuditEvent

NEW_USER = users.KnownUser("cb.test", "https://dx.example.vn", "Cán bộ thử", "X01")
PASSWORD = "mat-khau-dung"


def unlocks(opened: Opened) -> list[dict[str, object]]:
    with opened.profile.db.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "unlock")).all()
        return [{"actor": e.actor, **e.detail} for e in events]


@pytest.fixture
def user(paths: Paths) -> users.KnownUser:
    """Logged in here once (the key file exists; its folder name is given now)."""
    return users.enroll(paths, NEW_USER, PASSWORD).user


def test_the_password_opens_and_the_unlock_is_audited(paths: Paths, user: users.KnownUser) -> None:
    tokens = MemoryTokenStore()
    opened = unlock.with_password(paths, Settings(), user, PASSWORD, tokens)
    try:
        assert opened.unlocked.user == user and not opened.remembered
        assert unlocks(opened) == [{"actor": user.username, "method": "password"}]
    finally:
        opened.profile.close()
    # Not remembered: the keyring does not open it.
    assert unlock.with_keyring(paths, Settings(), user, tokens) is None


def test_a_remembered_key_opens_without_the_password(paths: Paths, user: users.KnownUser) -> None:
    tokens = MemoryTokenStore()
    first = unlock.with_password(paths, Settings(), user, PASSWORD, tokens, remember=True)
    first.profile.close()
    assert first.remembered
    again = unlock.with_keyring(paths, Settings(), user, tokens)
    assert again is not None
    try:
        methods = [event["method"] for event in unlocks(again)]
        assert methods == ["password", "keyring"]
    finally:
        again.profile.close()


def test_a_wrong_password_opens_nothing(paths: Paths, user: users.KnownUser) -> None:
    with pytest.raises(DxdeskError):
        unlock.with_password(paths, Settings(), user, "sai", MemoryTokenStore())
    opened = unlock.with_password(paths, Settings(), user, PASSWORD, MemoryTokenStore())
    try:
        assert len(unlocks(opened)) == 1  # the refused try left no trace in the store
    finally:
        opened.profile.close()
