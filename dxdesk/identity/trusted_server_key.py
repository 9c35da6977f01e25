"""The server's public keys as this device trusts them (the server's own key pairs
are ``sync.server.keys``): X25519, to which classified reports and USB bundles are
sealed, and Ed25519, with which it signs receipts and task packages.

Learnt at login (the sealing key may also be baked into the installer: then it is
pinned and a login answer with any other key is refused). Kept in the user's
database, beside the other facts about their account.
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from dxdesk import audit, local_state, sealing, signing
from dxdesk.errors import DxdeskError
from dxdesk.messages import Message

log = logging.getLogger(__name__)

KEY = "server.public_key"
SIGNING_KEY = "server.signing_key"


class ServerKeyMismatchError(DxdeskError):
    """The server presented another key than the one this site was provisioned with."""

    exit_code = 14  # like an untrusted certificate: someone may be in between


def known(session: Session) -> str | None:
    return local_state.get(session, KEY) or None


def check(offered: str, pinned: str | None) -> None:
    """Raise unless ``offered`` is a usable key and matches the pinned one, if any."""
    try:
        sealing.public_key_from_text(offered)
    except ValueError as exc:
        message = Message("server_key_invalid", {})
        raise ServerKeyMismatchError(message.text("en"), message) from exc
    if pinned and offered != pinned:
        message = Message(
            "server_key_mismatch",
            {"offered": signing.fingerprint(offered), "pinned": signing.fingerprint(pinned)},
        )
        raise ServerKeyMismatchError(message.text("en"), message)


def remember(session: Session, offered: str, actor: str = "") -> None:
    """Store the key (caller commits). A change is logged and audited: reports
    sealed to the old key are readable only with the old private key."""
    previous = known(session)
    if previous == offered:
        return
    if previous is not None:
        log.warning(
            "the server's sealing key changed from %s to %s",
            signing.fingerprint(previous),
            signing.fingerprint(offered),
        )
    audit.record(
        session,
        "server_key.learnt" if previous is None else "server_key.changed",
        signing.fingerprint(offered),
        actor,
    )
    local_state.put(session, KEY, offered)


def signing_known(session: Session) -> str | None:
    """The server's Ed25519 key that signs receipts and task packages, if learnt."""
    return local_state.get(session, SIGNING_KEY) or None


def remember_signing(session: Session, offered: str, actor: str = "") -> None:
    """Store the server's signing key (caller commits); a change is audited."""
    previous = signing_known(session)
    if previous == offered:
        return
    try:
        signing.public_key_from_text(offered)
    except signing.BadSignatureError:
        log.warning("ignoring an invalid server signing key")
        return
    audit.record(
        session,
        "server_signing_key.learnt" if previous is None else "server_signing_key.changed",
        signing.fingerprint(offered),
        actor,
    )
    local_state.put(session, SIGNING_KEY, offered)
