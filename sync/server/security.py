"""Passwords (argon2id, memory-hard) and opaque bearer tokens (stored as sha256)."""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


# Verified when the user does not exist, so a login takes as long either way and
# does not reveal which usernames exist.
@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("dxdesk-no-such-user")


MIN_PASSWORD_CHARS = 8


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
