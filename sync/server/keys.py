"""The server's X25519 key pair: classified reports are sealed to its public half.

The private key lives in a file of its own, readable by the server's account only
— never in the database, so a stolen dump or backup of the database does not carry
the key that opens the classified reports in it. Back the file up separately: a
sealed report cannot be read without it.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from dxdesk import b64url, sealing
from dxdesk.signing import fingerprint

log = logging.getLogger(__name__)

KEY_FILE_NAME = "server-key"


class KeyFileError(Exception):
    """The key file cannot be read or made; the message says why."""


def load(path: Path) -> X25519PrivateKey:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read the server key file {path}: {exc}") from exc
    try:
        key = sealing.private_key_from_bytes(b64url.decode(text))
    except ValueError as exc:
        raise KeyFileError(f"the server key file {path} is damaged (not a key)") from exc
    _owner_only(path)
    return key


def _owner_only(path: Path) -> None:
    if os.name != "posix":
        return  # Windows: the data folder's ACL is what protects it
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("the server key file %s was readable by others; now owner-only", path)
        path.chmod(0o600)


def load_or_create(path: Path) -> X25519PrivateKey:
    """The key in ``path``, made on first start. Never replaces an existing file:
    a new key would make every report sealed to the old one unreadable."""
    if path.exists():
        return load(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = sealing.generate()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(b64url.encode(sealing.private_bytes(key)) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails rather than overwrite
        except FileExistsError:
            return load(path)  # another process made it first
    except OSError as exc:
        raise KeyFileError(f"cannot create the server key file {path}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    log.info("created the server sealing key %s in %s", public_fingerprint(key), path)
    return key


def public_text(key: X25519PrivateKey) -> str:
    return sealing.public_key_text(key)


def public_fingerprint(key: X25519PrivateKey) -> str:
    return fingerprint(public_text(key))
