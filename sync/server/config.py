"""Server settings: where the data lives and how long tokens last."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.engine import make_url

from sync.protocol import MAX_BLOB_BYTES
from sync.server.keys import KEY_FILE_NAME

APP_NAME = "dxdesk-server"
HOME_ENV = "DXDESK_SERVER_HOME"
DB_ENV = "DXDESK_SERVER_DB"
TOKEN_TTL_ENV = "DXDESK_SERVER_TOKEN_TTL"  # noqa: S105 (a variable name)
KEY_FILE_ENV = "DXDESK_SERVER_KEY_FILE"
UPLOAD_QUOTA_ENV = "DXDESK_SERVER_UPLOAD_QUOTA_MIB"
UPLOAD_TTL_ENV = "DXDESK_SERVER_UPLOAD_TTL"
DEFAULT_TOKEN_TTL = dt.timedelta(days=30)
MIB = 1024 * 1024
# Declared bytes of a unit's unfinished uploads: ten attachments of the largest size.
DEFAULT_UPLOAD_QUOTA = 10 * MAX_BLOB_BYTES
# An upload with no progress for this long is abandoned and its bytes dropped.
DEFAULT_UPLOAD_TTL = dt.timedelta(days=7)
BODY_TIMEOUT_ENV = "DXDESK_SERVER_BODY_TIMEOUT"
DEFAULT_BODY_TIMEOUT_S = 60.0
PASSWORD_COST_ENV = "DXDESK_SERVER_ARGON2"  # noqa: S105 (a variable name)


@dataclass(frozen=True)
class PasswordCost:
    """Argon2id cost of new password hashes; a stored hash keeps the cost it was made
    with, so changing this never locks anyone out."""

    time_cost: int = 3
    memory_mib: int = 64
    parallelism: int = 4

    # OWASP's weakest acceptable Argon2id settings (19 MiB x 2 passes, 12 x 3, 7 x 5)
    # all spend at least 35 MiB-passes; below that a stolen table is cheap to attack.
    MIN_MIB_PASSES = 35
    MIN_MIB = 7


def password_cost(raw: str | None = None) -> PasswordCost:
    """``DXDESK_SERVER_ARGON2`` as ``PASSES,MEMORY_MIB,THREADS`` (default ``3,64,4``):
    a small server with little RAM, or a test suite, may choose a cheaper cost down to
    OWASP's minimum, never below it."""
    chosen = raw if raw is not None else os.environ.get(PASSWORD_COST_ENV, "")
    if not chosen.strip():
        return PasswordCost()
    try:
        passes, mib, threads = (int(part) for part in chosen.split(","))
    except ValueError as exc:
        raise ValueError(
            f"{PASSWORD_COST_ENV} must be PASSES,MEMORY_MIB,THREADS (e.g. 3,64,4), not {chosen!r}"
        ) from exc
    cost = PasswordCost(passes, mib, threads)
    if (
        min(passes, threads) < 1
        or mib < PasswordCost.MIN_MIB
        or passes * mib < PasswordCost.MIN_MIB_PASSES
    ):
        raise ValueError(
            f"{PASSWORD_COST_ENV}={chosen!r} is weaker than OWASP's minimum for Argon2id: "
            f"use at least {PasswordCost.MIN_MIB} MiB, and passes x MiB of at least "
            f"{PasswordCost.MIN_MIB_PASSES} (e.g. 2,19,1)"
        )
    return cost


def data_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """``--home`` wins over ``DXDESK_SERVER_HOME``, which wins over the platform folder."""
    chosen = home if home is not None else os.environ.get(HOME_ENV) or None
    if chosen is not None:
        return Path(chosen).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def database_url(db: str | None, home: str | os.PathLike[str] | None = None) -> str:
    """An explicit URL, else ``DXDESK_SERVER_DB``, else SQLite in the data folder."""
    chosen = db or os.environ.get(DB_ENV) or None
    if chosen is not None:
        return chosen
    folder = data_dir(home)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite:///{folder / 'server.sqlite3'}"


def key_file(explicit: str | None, db_url: str, home: str | os.PathLike[str] | None = None) -> Path:
    """``--key-file``, else ``DXDESK_SERVER_KEY_FILE``, else ``server-key`` in the data
    folder when one is named (``--home``/``DXDESK_SERVER_HOME``), else beside an SQLite
    database file, else in the platform's data folder."""
    chosen = explicit or os.environ.get(KEY_FILE_ENV) or None
    if chosen is not None:
        return Path(chosen).expanduser().resolve()
    if home is None and not os.environ.get(HOME_ENV):
        parsed = make_url(db_url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            return Path(str(parsed.database)).expanduser().resolve().parent / KEY_FILE_NAME
    return data_dir(home) / KEY_FILE_NAME


def token_ttl(seconds: float | None) -> dt.timedelta:
    if seconds is None:
        raw = os.environ.get(TOKEN_TTL_ENV)
        if not raw:
            return DEFAULT_TOKEN_TTL
        try:
            seconds = float(raw)
        except ValueError as exc:
            raise ValueError(f"{TOKEN_TTL_ENV} must be a number of seconds, not {raw!r}") from exc
    if seconds <= 0:
        raise ValueError("the token lifetime must be a positive number of seconds")
    return dt.timedelta(seconds=seconds)


def _number(value: float | None, env: str, what: str) -> float | None:
    if value is not None:
        return value
    raw = os.environ.get(env)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{env} must be {what}, not {raw!r}") from exc


def upload_quota(mib: float | None) -> int:
    """Bytes a unit may have in unfinished uploads; never less than one attachment,
    so a lone upload always fits and a refusal only ever means "wait"."""
    chosen = _number(mib, UPLOAD_QUOTA_ENV, "a number of MiB")
    if chosen is None:
        return DEFAULT_UPLOAD_QUOTA
    if chosen * MIB < MAX_BLOB_BYTES:
        raise ValueError(
            f"the upload quota must be at least {MAX_BLOB_BYTES // MIB} MiB (one attachment)"
        )
    return int(chosen * MIB)


def upload_ttl(seconds: float | None) -> dt.timedelta:
    chosen = _number(seconds, UPLOAD_TTL_ENV, "a number of seconds")
    if chosen is None:
        return DEFAULT_UPLOAD_TTL
    if chosen <= 0:
        raise ValueError("the upload expiry must be a positive number of seconds")
    return dt.timedelta(seconds=chosen)


def body_timeout(seconds: float | None) -> float:
    """``--body-timeout``, else ``DXDESK_SERVER_BODY_TIMEOUT``, else 60 s."""
    chosen = _number(seconds, BODY_TIMEOUT_ENV, "a number of seconds")
    if chosen is None:
        return DEFAULT_BODY_TIMEOUT_S
    if not chosen > 0:
        raise ValueError("the body timeout must be a positive number of seconds")
    return chosen


@dataclass(frozen=True)
class ServerConfig:
    database_url: str
    # Opens sealed (classified) reports; from sync.server.keys, never the database.
    server_key: X25519PrivateKey
    # Signs USB bundle receipts and task packages; from sync.server.keys, beside it.
    signing_key: Ed25519PrivateKey
    token_ttl: dt.timedelta = DEFAULT_TOKEN_TTL
    # Per unit: declared bytes of unfinished uploads (sync.server.blobs).
    upload_quota: int = DEFAULT_UPLOAD_QUOTA
    # Unfinished uploads with no progress for this long are dropped (sync.server.sweeper).
    upload_ttl: dt.timedelta = DEFAULT_UPLOAD_TTL
    # Sync rounds a server process works on at once; the others queue in order.
    # A round is mostly Python, and one process runs Python on one core: with 100
    # devices in flight, 40 threads took turns on the interpreter lock and the round
    # holding the SQLite write lock waited for it, so every round behind it did too.
    concurrent_rounds: int = 4
    # Passwords checked at once: each Argon2 check takes 64 MiB and ~0.1 s of CPU.
    concurrent_password_checks: int = 2
    # A request body must arrive within this many seconds plus one second for every
    # ``body_min_rate`` bytes it declares (64 MiB: about 2 h; 8 MiB: about 17 min),
    # so a body that trickles in cannot hold a connection and a slot for ever.
    body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S
    body_min_rate: int = 8 * 1024
    # Bodies larger than one attachment chunk (bundles, big sync batches) received at
    # once; one more is refused with 503 and Retry-After rather than queued.
    concurrent_large_bodies: int = 2

    def body_deadline_s(self, declared: int) -> float:
        return self.body_timeout_s + declared / self.body_min_rate
