"""The server's Ed25519 check on report signatures (libsodium, via PyNaCl).

Devices sign with :mod:`dxdesk.signing` (OpenSSL, through ``cryptography``); both
implement RFC 8032, so a signature one makes the other accepts. The server checks
every report of every sync round, and libsodium does that in half the time here
and releases the GIL while it works, so rounds on the thread pool verify in
parallel instead of in turn.
"""

from __future__ import annotations

from nacl.bindings import crypto_sign_open
from nacl.exceptions import CryptoError

from dxdesk import b64url, signing


def _raw(text: str, size: int) -> bytes | None:
    try:
        raw = b64url.decode(text)
    except ValueError:
        return None
    return raw if len(raw) == size else None


def verifies(public_keys: list[str], content_sha256: str, signature: str) -> bool:
    """Whether ``signature`` is one of ``public_keys``' on this report content."""
    raw_signature = _raw(signature, signing.SIGNATURE_BYTES)
    if raw_signature is None:
        return False
    try:
        signed = raw_signature + signing.report_message(content_sha256)
    except ValueError:
        return False
    for text in public_keys:
        key = _raw(text, signing.KEY_BYTES)
        if key is None:
            continue
        try:
            crypto_sign_open(signed, key)
        except CryptoError:  # BadSignatureError, or a key that is not a curve point
            continue
        return True
    return False
