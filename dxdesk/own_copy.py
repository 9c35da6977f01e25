"""What a classified report sealed, kept on the device for its author's correction.

Sealing to the server's key empties the report's row; the officer who wrote it must
still be able to correct it without typing it all again. The row keeps the sealed
content once more, encrypted with AES-256-GCM under a key derived from this user's
data key (and bound to the report id): only this profile opens it. Why not the
plaintext in its own column? The store is encrypted anyway, but a row that holds
the words could be printed by anything that shows a report (the outbox, ``--json``,
a log line, a diagnostics dump); this way the row holds no words at all, on disk or
in memory, until a correction asks for them. Never sent: the server gets the seal.
"""

from __future__ import annotations

import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dxdesk import b64url, json_depth
from dxdesk.canonical import canonical_json

PURPOSE = b"dxdesk own sealed copy v1"  # the data key's HKDF purpose
_AAD = b"dxdesk own copy v1\n"
_NONCE = 12


def seal(key: bytes, report_id: str, content: dict[str, Any]) -> str:
    nonce = secrets.token_bytes(_NONCE)
    sealed = AESGCM(key).encrypt(nonce, canonical_json(content), _AAD + report_id.encode())
    return b64url.encode(nonce + sealed)


def open_copy(key: bytes, report_id: str, text: str) -> dict[str, Any] | None:
    """The content, or None when this key does not open it (another user's copy
    could not be here; a damaged one just means an empty correction)."""
    try:
        raw = b64url.decode(text)
        plain = AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], _AAD + report_id.encode())
        value = json_depth.loads(plain)
    except (ValueError, InvalidTag):
        return None
    return value if isinstance(value, dict) else None
