"""Login challenges: the fresh, single-use, short-lived nonces a device signs to
prove it holds the key it registers.

Issuing one stores nothing: the nonce carries its own expiry and a MAC by a key
derived from the server's signing key, so anyone may ask for one (no account, no
row written) and every worker of the server checks it alike. A nonce is spent by
the login that registers a key with it: its hash is kept, until it has expired
anyway, in ``login_challenge``, so a second login with it is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete
from sqlalchemy.orm import Session

from dxdesk import b64url
from sync.server.errors import ApiError
from sync.server.tables import LoginChallenge

TTL = dt.timedelta(minutes=5)  # a 2G login (challenge, then Argon2 queue) fits easily
_KEY_INFO = b"dxdesk login challenge v1"
_EXPIRY = struct.Struct(">q")  # seconds since the epoch, UTC
_RANDOM_BYTES = 16
_MAC_BYTES = 16
_NONCE_BYTES = _EXPIRY.size + _RANDOM_BYTES + _MAC_BYTES  # 40: 54 base64url characters


def mac_key(signing_key: Ed25519PrivateKey) -> bytes:
    """A key of its own for the MAC, derived from (never equal to) the signing key, so
    the server's workers share it and a restart keeps outstanding nonces valid."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO)
    return hkdf.derive(signing_key.private_bytes_raw())


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()[:_MAC_BYTES]


def issue(key: bytes, now: dt.datetime) -> tuple[str, dt.datetime]:
    """A new nonce and when it expires."""
    expires = (now + TTL).replace(microsecond=0)
    body = _EXPIRY.pack(int(expires.timestamp())) + os.urandom(_RANDOM_BYTES)
    return b64url.encode(body + _mac(key, body)), expires


def check(key: bytes, nonce: str, now: dt.datetime) -> dt.datetime:
    """When ``nonce`` (one this server issued, not yet expired) expires; else raise."""
    try:
        raw = b64url.decode(nonce)
    except ValueError:
        raw = b""
    body, tag = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if len(raw) != _NONCE_BYTES or not hmac.compare_digest(tag, _mac(key, body)):
        raise ApiError(
            400,
            "challenge_invalid",
            "This sign-in challenge was not issued by this server; sign in again.",
            field="challenge",
        )
    (seconds,) = _EXPIRY.unpack(body[: _EXPIRY.size])
    expires = dt.datetime.fromtimestamp(seconds, dt.UTC)
    if expires <= now:
        raise ApiError(
            400,
            "challenge_expired",
            "The sign-in took too long and its challenge expired; sign in again.",
            field="challenge",
        )
    return expires


def spend(session: Session, nonce: str, expires: dt.datetime, now: dt.datetime) -> None:
    """Mark ``nonce`` used (in the login's transaction); refuse one used before.

    Two logins racing with one nonce both insert the same primary key: one commits,
    the other's retry finds the row and is refused."""
    digest = hashlib.sha256(nonce.encode("ascii")).hexdigest()
    if session.get(LoginChallenge, digest) is not None:
        raise ApiError(
            400,
            "challenge_used",
            "This sign-in challenge was already used; sign in again.",
            field="challenge",
        )
    # Expired nonces are refused by check(): their rows are no longer needed.
    session.execute(delete(LoginChallenge).where(LoginChallenge.expires_at <= now))
    session.add(LoginChallenge(nonce_sha256=digest, expires_at=expires))
    session.flush()
