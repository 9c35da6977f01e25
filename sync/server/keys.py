"""The server's key pairs, each in a file of its own readable by the server's
account only — never in the database:

- X25519 (``server-key``): classified reports and USB bundles are sealed to its
  public half. A stolen dump or backup of the database does not carry the key that
  opens the classified reports in it. Back the file up separately: a sealed report
  cannot be read without it.
- Ed25519 (``server-signing-key``, beside it): signs USB bundle receipts and task
  packages, which devices verify with the public half they learnt at login.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from dxdesk import b64url, sealing, signing
from dxdesk.signing import fingerprint

log = logging.getLogger(__name__)

KEY_FILE_NAME = "server-key"
SIGNING_KEY_FILE_NAME = "server-signing-key"
K = TypeVar("K", X25519PrivateKey, Ed25519PrivateKey)


class KeyFileError(Exception):
    """The key file cannot be read or made; the message says why."""


def _load(path: Path, from_bytes: Callable[[bytes], K]) -> K:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read the server key file {path}: {exc}") from exc
    try:
        key = from_bytes(b64url.decode(text))
    except ValueError as exc:
        raise KeyFileError(f"the server key file {path} is damaged (not a key)") from exc
    _owner_only(path)
    return key


def load(path: Path) -> X25519PrivateKey:
    return _load(path, sealing.private_key_from_bytes)


def _owner_only(path: Path) -> None:
    if os.name != "posix":
        return  # Windows: the data folder's ACL is what protects it
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("the server key file %s was readable by others; now owner-only", path)
        path.chmod(0o600)


def _load_or_create(
    path: Path,
    generate: Callable[[], K],
    raw: Callable[[K], bytes],
    from_bytes: Callable[[bytes], K],
) -> tuple[K, bool]:
    """The key in ``path``, made on first start (True when made). Never replaces an
    existing file: a new key would orphan everything made with the old one."""
    if path.exists():
        return _load(path, from_bytes), False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = generate()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(b64url.encode(raw(key)) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails rather than overwrite
        except FileExistsError:
            return _load(path, from_bytes), False  # another process made it first
    except OSError as exc:
        raise KeyFileError(f"cannot create the server key file {path}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return key, True


def load_or_create(path: Path) -> X25519PrivateKey:
    """The sealing key in ``path``, made on first start."""
    key, made = _load_or_create(
        path, sealing.generate, sealing.private_bytes, sealing.private_key_from_bytes
    )
    if made:
        log.info("created the server sealing key %s in %s", public_fingerprint(key), path)
    return key


def signing_key_path(sealing_key_path: Path) -> Path:
    """The signing key lives beside the sealing key, whatever that file is called."""
    return sealing_key_path.with_name(SIGNING_KEY_FILE_NAME)


def load_or_create_signing(path: Path) -> Ed25519PrivateKey:
    """The receipt and task-package signing key in ``path``, made on first start."""
    key, made = _load_or_create(
        path, signing.generate, signing.private_bytes, signing.private_key_from_bytes
    )
    if made:
        log.info("created the server signing key %s in %s", signing_fingerprint(key), path)
    return key


def load_signing(path: Path) -> Ed25519PrivateKey:
    return _load(path, signing.private_key_from_bytes)


def signing_text(key: Ed25519PrivateKey) -> str:
    return signing.public_key_text(key)


def signing_fingerprint(key: Ed25519PrivateKey) -> str:
    return fingerprint(signing_text(key))


def public_text(key: X25519PrivateKey) -> str:
    return sealing.public_key_text(key)


def public_fingerprint(key: X25519PrivateKey) -> str:
    return fingerprint(public_text(key))
