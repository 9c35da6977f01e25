"""A user's data key, wrapped by a key derived from the user's password.

Each user's store is encrypted with a random 256-bit data key. On disk the data key
exists only wrapped (AES-256-GCM) by a key derived from the password with Argon2id,
so a stolen PC yields nothing without the password, and unlocking needs no server.
Changing the password re-wraps the same data key: nothing is re-encrypted.

Wrong guesses are slowed down (see :class:`Attempts`): a few free tries, then a
growing wait. The wrapped key file is replaced atomically, so a power cut while
re-wrapping leaves the old or the new file, never neither.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dxdesk.atomic_file import write_atomically
from dxdesk.errors import DxdeskError
from dxdesk.messages import Message


def _random_bytes(count: int) -> bytes:
    # Imported on use: ``secrets`` loads OpenSSL, and the lock screen needs no
    # random bytes before the first window is painted.
    import secrets  # noqa: PLC0415

    return secrets.token_bytes(count)


KEY_BYTES = 32
FORMAT = 1
COST_ENV = "DXDESK_PROFILE_ARGON2"
# In the key file: whether the store was created. It survives a lost or emptied store,
# so that is refused instead of silently started afresh (dxdesk.profile).
STORE_MADE = "store_made"


class VaultError(DxdeskError):
    exit_code = 5


class WrongPasswordError(VaultError):
    def __init__(self, attempts_left: int, wait_s: float = 0.0) -> None:
        self.attempts_left = attempts_left
        message = (
            Message("wrong_password", {"left": attempts_left})
            if attempts_left > 0
            else Message("wrong_password_wait", {"seconds": max(1, round(wait_s))})
        )
        super().__init__(message.text("en"), message)


class LockedOutError(VaultError):
    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s
        message = Message("locked_out", {"seconds": max(1, round(wait_s))})
        super().__init__(message.text("en"), message)


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The default takes ~0.3 s and 64 MiB on an old office PC: slow
    for someone guessing offline, quick enough once a day for the officer."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 2

    # OWASP's weakest acceptable Argon2id settings (19 MiB x 2 passes, 12 x 3, 7 x 5)
    # all spend at least 35 MiB-passes (as the server's DXDESK_SERVER_ARGON2).
    MIN_MIB_PASSES = 35
    MIN_MIB = 7

    @classmethod
    def configured(cls, raw: str | None = None) -> KdfParams:
        """The cost for new key files: ``DXDESK_PROFILE_ARGON2`` as
        ``PASSES,MEMORY_MIB,THREADS`` (a test suite's cheaper profiles), never below
        OWASP's minimum; the default without it. Each key file records its own cost,
        so this never changes how an existing one opens."""
        chosen = raw if raw is not None else os.environ.get(COST_ENV, "")
        if not chosen.strip():
            return cls()
        try:
            passes, mib, threads = (int(part) for part in chosen.split(","))
        except ValueError:
            passes = mib = threads = 0
        if min(passes, threads) < 1 or mib < cls.MIN_MIB or passes * mib < cls.MIN_MIB_PASSES:
            message = Message("profile_cost_invalid", {"env": COST_ENV, "value": chosen})
            raise VaultError(message.text("en"), message)
        return cls(passes, mib * 1024, threads)

    def at_least(self, other: KdfParams) -> KdfParams:
        """Each of the two costs' stronger setting."""
        return KdfParams(
            max(self.time_cost, other.time_cost),
            max(self.memory_kib, other.memory_kib),
            max(self.parallelism, other.parallelism),
        )

    def derive(self, password: str, salt: bytes) -> bytes:
        # Imported here, with AESGCM below: the lock screen shows before they load.
        from argon2.low_level import Type, hash_secret_raw  # noqa: PLC0415

        return hash_secret_raw(
            password.encode("utf-8"),
            salt,
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            hash_len=KEY_BYTES,
            type=Type.ID,
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _write_atomically(path: Path, payload: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(payload, indent=1).encode("utf-8"))


def wrap(data_key: bytes, password: str, account: str, params: KdfParams) -> dict[str, Any]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    salt = _random_bytes(16)
    nonce = _random_bytes(12)
    kek = params.derive(password, salt)
    # The account is bound in, so a key file copied between users does not open.
    wrapped = AESGCM(kek).encrypt(nonce, data_key, account.encode("utf-8"))
    return {
        "format": FORMAT,
        "account": account,
        "kdf": {"name": "argon2id", **asdict(params), "salt": _b64(salt)},
        "nonce": _b64(nonce),
        "wrapped_key": _b64(wrapped),
    }


def recorded_params(payload: dict[str, Any]) -> KdfParams:
    """The cost a key file was wrapped at (it opens at that cost, whatever is set now)."""
    kdf = payload["kdf"]
    return KdfParams(kdf["time_cost"], kdf["memory_kib"], kdf["parallelism"])


def unwrap(payload: dict[str, Any], password: str) -> bytes | None:
    """The data key, or None when the password is wrong."""
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    kdf = payload["kdf"]
    kek = recorded_params(payload).derive(password, _unb64(kdf["salt"]))
    try:
        return AESGCM(kek).decrypt(
            _unb64(payload["nonce"]), _unb64(payload["wrapped_key"]), payload["account"].encode()
        )
    except InvalidTag:
        return None


@dataclass
class Attempts:
    """Consecutive wrong passwords and when the next try is allowed.

    Kept beside the key file. Deleting it only restores the free tries; it does
    not help an offline attacker, whom only the KDF's cost slows down.
    """

    failures: int = 0
    not_before: float = 0.0

    FREE_TRIES = 5
    FIRST_WAIT_S = 30.0
    MAX_WAIT_S = 15 * 60.0
    MAX_FAILURES = 1000

    def wait_s(self, now: float) -> float:
        return max(0.0, self.not_before - now)

    def failed(self, now: float) -> None:
        self.failures = min(self.failures + 1, self.MAX_FAILURES)
        extra = self.failures - self.FREE_TRIES
        if extra >= 0:
            # 2**extra is capped before it grows: the wait stops doubling at the maximum.
            self.not_before = now + min(self.MAX_WAIT_S, self.FIRST_WAIT_S * 2 ** min(extra, 20))

    @classmethod
    def read(cls, raw: object, now: float) -> Attempts:
        """The counter as stored, made sane. A wait beyond the documented maximum
        (clock set back, or an edited file) is cut to the maximum from now, never
        obeyed; a damaged file counts as none, like a deleted one (see above)."""
        if not isinstance(raw, dict):
            return cls()
        failures, not_before = raw.get("failures"), raw.get("not_before")
        if isinstance(failures, bool) or not isinstance(failures, int):
            return cls()
        if isinstance(not_before, bool) or not isinstance(not_before, int | float):
            return cls()
        failures = max(0, min(failures, cls.MAX_FAILURES))
        if not math.isfinite(not_before) or not_before - now > cls.MAX_WAIT_S:
            not_before = now + cls.MAX_WAIT_S
        return cls(failures, float(not_before))

    @property
    def left(self) -> int:
        return max(0, self.FREE_TRIES - self.failures)


class Vault:
    """The key file of one user's folder (``key.json``) and its attempt counter."""

    def __init__(
        self, folder: Path, clock: Callable[[], float] = time.time, params: KdfParams | None = None
    ) -> None:
        self.key_file = folder / "key.json"
        self.attempts_file = folder / "unlock-attempts.json"
        self.clock = clock
        self._params = params

    @property
    def params(self) -> KdfParams:
        """The cost new key files get: as given, else as configured (read when a key
        is wrapped, so a bad setting stops only that, never an unlock)."""
        return self._params or KdfParams.configured()

    def exists(self) -> bool:
        return self.key_file.is_file()

    def _load(self) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = json.loads(self.key_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            message = Message("key_file_unreadable", {"path": self.key_file, "reason": exc})
            raise VaultError(message.text("en"), message) from exc
        if payload.get("format") != FORMAT:
            raise VaultError(f"{self.key_file} was written by a newer dxdesk.")
        return payload

    def create(self, account: str, password: str) -> bytes:
        """A fresh random data key, stored wrapped by ``password``."""
        self.key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data_key = _random_bytes(KEY_BYTES)
        payload = wrap(data_key, password, account, self.params)
        _write_atomically(self.key_file, {**payload, STORE_MADE: False})
        return data_key

    def store_made(self) -> bool:
        """Whether this user's store was ever created. Key files of earlier versions
        lack the mark; those versions made the store at once, so it existed. A key
        file that is gone or unreadable (a key kept in the keyring still opens the
        store) is no proof of a first start either."""
        try:
            return bool(self._load().get(STORE_MADE, True))
        except VaultError:
            return True

    def mark_store_made(self) -> None:
        """From now on a missing or empty store is a loss, never a first start."""
        payload = self._load()
        if payload.get(STORE_MADE) is False:
            _write_atomically(self.key_file, {**payload, STORE_MADE: True})

    def unlock(self, password: str) -> bytes:
        attempts = self._attempts()
        now = self.clock()
        if attempts.wait_s(now) > 0:
            raise LockedOutError(attempts.wait_s(now))
        data_key = unwrap(self._load(), password)
        if data_key is None:
            attempts.failed(self.clock())
            self._save_attempts(attempts)
            raise WrongPasswordError(attempts.left, attempts.wait_s(self.clock()))
        if attempts.failures:
            self._save_attempts(Attempts())
        return data_key

    def open_verified(self, password: str) -> bytes | None:
        """The data key for a password the server has just accepted, or None when it
        does not open this file (changed on the server). The server vouched for it,
        so local lockout does not apply, and a success clears the attempts."""
        data_key = unwrap(self._load(), password)
        if data_key is not None and self.failures():
            self._save_attempts(Attempts())
        return data_key

    def rewrap(self, data_key: bytes, new_password: str) -> None:
        old = self._load()
        # Never cheaper than the file was: a setting made later cannot weaken it.
        params = self.params.at_least(recorded_params(old))
        payload = wrap(data_key, new_password, str(old["account"]), params)
        _write_atomically(self.key_file, {**payload, STORE_MADE: old.get(STORE_MADE, True)})
        self._save_attempts(Attempts())

    def failures(self) -> int:
        return self._attempts().failures

    def _attempts(self) -> Attempts:
        try:
            raw = json.loads(self.attempts_file.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return Attempts()
        attempts = Attempts.read(raw, self.clock())
        if raw != asdict(attempts):
            # Store the capped wait, or it would start again at every read (a
            # read-only folder cannot keep it: then the cap restarts, still bounded).
            with contextlib.suppress(OSError):
                self._save_attempts(attempts)
        return attempts

    def _save_attempts(self, attempts: Attempts) -> None:
        _write_atomically(
            self.attempts_file, {"failures": attempts.failures, "not_before": attempts.not_before}
        )
