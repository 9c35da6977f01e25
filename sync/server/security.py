"""Passwords (argon2id, memory-hard) and opaque bearer tokens (stored as sha256)."""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync.server.config import password_cost


# Read once per process, like the rest of the environment's settings: every command
# and worker of one server hashes new passwords at the same cost.
@functools.cache
def _hasher() -> PasswordHasher:
    cost = password_cost()
    return PasswordHasher(
        time_cost=cost.time_cost, memory_cost=cost.memory_mib * 1024, parallelism=cost.parallelism
    )


# Verified when the user does not exist, so a login takes as long either way and
# does not reveal which usernames exist.
@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash("dxdesk-no-such-user")


MIN_PASSWORD_CHARS = 8


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
