"""Seal bytes so that only the holder of one X25519 private key can read them.

Format v1, all binary: ``0x01 ‖ ephemeral public key (32) ‖ ciphertext ‖ tag (16)``.
A fresh ephemeral key pair per message; HKDF-SHA256 over the X25519 shared secret,
with both public keys in ``info``, gives a ChaCha20-Poly1305 key and nonce used
exactly once. ``aad`` (say, a report id) is authenticated but not stored, so a
sealed payload cannot be moved to another context unnoticed.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dxdesk import b64url

VERSION = 1
KEY_BYTES = 32
TAG_BYTES = 16
NONCE_BYTES = 12
OVERHEAD = 1 + KEY_BYTES + TAG_BYTES
PUBLIC_KEY_CHARS = b64url.encoded_length(KEY_BYTES)  # 43
_INFO = b"dxdesk seal v1"


class SealError(Exception):
    """A sealed payload that cannot be opened: wrong key, altered, or not ours."""


def generate() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def private_bytes(key: X25519PrivateKey) -> bytes:
    return key.private_bytes_raw()


def private_key_from_bytes(raw: bytes) -> X25519PrivateKey:
    if len(raw) != KEY_BYTES:
        raise ValueError("an X25519 private key is 32 bytes")
    return X25519PrivateKey.from_private_bytes(raw)


def public_key_text(key: X25519PrivateKey | X25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return b64url.encode(public.public_bytes_raw())


def public_key_from_text(text: str) -> X25519PublicKey:
    """Raise ValueError for anything but 32 bytes of unpadded base64url."""
    raw = b64url.decode(text)
    if len(raw) != KEY_BYTES:
        raise ValueError("an X25519 public key is 32 bytes")
    return X25519PublicKey.from_public_bytes(raw)


def _cipher(shared: bytes, ephemeral: bytes, recipient: bytes) -> tuple[ChaCha20Poly1305, bytes]:
    okm = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES + NONCE_BYTES,
        salt=None,
        info=_INFO + ephemeral + recipient,
    ).derive(shared)
    return ChaCha20Poly1305(okm[:KEY_BYTES]), okm[KEY_BYTES:]


def seal(public_key: X25519PublicKey | str, plaintext: bytes, aad: bytes) -> bytes:
    recipient = public_key_from_text(public_key) if isinstance(public_key, str) else public_key
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes_raw()
    try:
        shared = ephemeral.exchange(recipient)
    except ValueError as exc:  # a low-order point: not a real public key
        raise SealError("the recipient's public key is not usable") from exc
    cipher, nonce = _cipher(shared, ephemeral_raw, recipient.public_bytes_raw())
    return bytes([VERSION]) + ephemeral_raw + cipher.encrypt(nonce, plaintext, aad)


def open_sealed(private_key: X25519PrivateKey, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < OVERHEAD:
        raise SealError("the sealed payload is too short")
    if blob[0] != VERSION:
        raise SealError(f"unknown sealed payload format {blob[0]}")
    ephemeral_raw = blob[1 : 1 + KEY_BYTES]
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
    except ValueError as exc:
        raise SealError("the sealed payload was altered") from exc
    recipient = private_key.public_key().public_bytes_raw()
    cipher, nonce = _cipher(shared, ephemeral_raw, recipient)
    try:
        return cipher.decrypt(nonce, blob[1 + KEY_BYTES :], aad)
    except InvalidTag as exc:
        raise SealError("cannot open the sealed payload: wrong key, or it was altered") from exc
