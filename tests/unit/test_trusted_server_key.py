"""The server's sealing key on the device: learnt at login, pinned when provisioned."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from dxdesk import audit, provisioning, sealing
from dxdesk.errors import SettingsError
from dxdesk.identity import trusted_server_key
from dxdesk.settings import Settings

KEY = sealing.public_key_text(sealing.generate())
OTHER = sealing.public_key_text(sealing.generate())


def test_a_pinned_key_refuses_any_other() -> None:
    trusted_server_key.check(KEY, None)
    trusted_server_key.check(KEY, KEY)
    with pytest.raises(trusted_server_key.ServerKeyMismatchError) as caught:
        trusted_server_key.check(OTHER, KEY)
    assert caught.value.message is not None
    assert caught.value.message.code == "server_key_mismatch"
    with pytest.raises(trusted_server_key.ServerKeyMismatchError):
        trusted_server_key.check("not-a-key", None)


def test_the_learnt_key_is_kept_and_a_change_audited(session: Session) -> None:
    assert trusted_server_key.known(session) is None
    trusted_server_key.remember(session, KEY, "cb.a")
    trusted_server_key.remember(session, KEY, "cb.a")
    trusted_server_key.remember(session, OTHER, "cb.a")
    session.commit()
    assert trusted_server_key.known(session) == OTHER
    actions = [e.action for e in audit.recent(session)]
    assert actions == ["server_key.changed", "server_key.learnt"]


def test_provisioning_carries_the_key(tmp_path: Path) -> None:
    profile = provisioning.parse(
        f'site_name = "Quảng Ninh"\nserver_url = "https://dx.example.vn"\n'
        f'server_public_key = "{KEY}"\n'
    )
    assert profile.server_public_key == KEY
    settings = provisioning.apply(profile, Settings(), tmp_path)
    assert settings.server_public_key == KEY
    with pytest.raises(SettingsError, match="server_public_key"):
        provisioning.parse(
            'site_name = "x"\nserver_url = "https://dx.example.vn"\nserver_public_key = "abc"\n'
        )
    with pytest.raises(SettingsError, match="server_public_key"):
        Settings(server_public_key="abc").validate()
