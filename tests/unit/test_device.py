"""This computer's identity: one device id per installation, one key per profile."""

from __future__ import annotations

import stat
import uuid

from sqlmodel import Session

from dxdesk import local_state, signing
from dxdesk.identity import device
from dxdesk.paths import Paths


def test_one_device_id_per_installation(paths: Paths) -> None:
    first = device.device_id(paths)
    assert str(uuid.UUID(first)) == first
    assert device.device_id(paths) == first
    path = paths.config / device.DEVICE_ID_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("garbage", encoding="ascii")
    replaced = device.device_id(paths)
    assert replaced != first and device.device_id(paths) == replaced


def test_the_signing_key_is_made_once_and_kept_in_the_profile(session: Session) -> None:
    key = device.signing_key(session)
    session.commit()
    assert device.public_key(device.signing_key(session)) == device.public_key(key)
    stored = local_state.get(session, device.SIGNING_KEY)
    assert stored is not None and stored != device.public_key(key)  # the private half


def test_registration_follows_the_current_key(session: Session) -> None:
    key = device.signing_key(session)
    assert device.registered_device(session) is None
    device.mark_registered(session, "dev-1", key)
    assert device.registered_device(session) == "dev-1"
    device.keep_signing_key(session, signing.generate())  # a login made a new key
    assert device.registered_device(session) is None
    assert device.last_device_id(session) == "dev-1"
    device.forget_registration(session)
    assert device.last_device_id(session) is None
