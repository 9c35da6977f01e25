"""This computer's identity towards the server.

Two things: a device id, one random UUID per installation (kept in the config
folder, shared by every user who signs in here), and an Ed25519 signing key per
user profile, kept in that user's own database, which is encrypted with their
data key — so the private key is protected exactly like the reports it signs.
The public key is registered with the server at login, under this device id.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from dxdesk import b64url, local_state, signing
from dxdesk.paths import Paths

log = logging.getLogger(__name__)

DEVICE_ID_FILE = "device-id"
SIGNING_KEY = "device.signing_key"
# "<device id> <public key>" the server registered at this profile's last login.
REGISTERED = "device.registered"


def _read_id(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
        return str(uuid.UUID(text))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def device_id(paths: Paths) -> str:
    """The installation's device id, made on first use. Two processes starting at
    once agree on one id: the file is linked into place only if it is not there."""
    path = paths.config / DEVICE_ID_FILE
    found = _read_id(path)
    if found is not None:
        return found
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{DEVICE_ID_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(str(uuid.uuid4()) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        if path.exists():  # there but unreadable: replace it
            log.warning("replacing the unreadable device id file %s", path)
            os.replace(tmp, path)
        else:
            with contextlib.suppress(FileExistsError):  # another process won: use its id
                os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    found = _read_id(path)
    if found is None:
        raise OSError(f"cannot create the device id file {path}")
    return found


def new_device_id() -> str:
    return str(uuid.uuid4())


def private_key_text(key: Ed25519PrivateKey) -> str:
    return b64url.encode(signing.private_bytes(key))


def public_key(key: Ed25519PrivateKey) -> str:
    return signing.public_key_text(key)


def keep_signing_key(session: Session, key: Ed25519PrivateKey) -> None:
    """Store the profile's key (caller commits). Only its fingerprint is ever logged."""
    local_state.put(session, SIGNING_KEY, private_key_text(key))
    session.flush()
    log.info("this profile's signing key is %s", signing.fingerprint(public_key(key)))


def signing_key(session: Session) -> Ed25519PrivateKey:
    """This profile's key, made on first need. The caller commits, so a new key is
    stored in the same transaction as the first thing it signs."""
    stored = local_state.get(session, SIGNING_KEY)
    if stored is not None:
        return signing.private_key_from_bytes(b64url.decode(stored))
    key = signing.generate()
    keep_signing_key(session, key)
    return key


def mark_registered(session: Session, device: str, key: Ed25519PrivateKey) -> None:
    local_state.put(session, REGISTERED, f"{device} {public_key(key)}")


def last_device_id(session: Session) -> str | None:
    """The device id this profile last registered as, whatever its key."""
    stored = local_state.get(session, REGISTERED)
    return stored.partition(" ")[0] if stored else None


def registered_device(session: Session) -> str | None:
    """The device id the server knows this profile's current key under, if any."""
    stored = local_state.get(session, REGISTERED)
    key = local_state.get(session, SIGNING_KEY)
    if not stored or key is None:
        return None
    device, _, public = stored.partition(" ")
    current = public_key(signing.private_key_from_bytes(b64url.decode(key)))
    return device if public == current else None


def forget_registration(session: Session) -> None:
    local_state.put(session, REGISTERED, "")
