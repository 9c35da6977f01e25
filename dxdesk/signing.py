"""Ed25519 signatures on reports: who made a report, and that nobody changed it since;
and the proof, at sign-in, that the device holds the key it registers.

A report's ``content_sha256`` already covers its canonical body: every field, the
sealed payload of a classified report and each attachment's id, sha256, size and
name. Signing that hash (with a domain prefix, so a report signature can never be
mistaken for a signature on anything else) therefore pins the whole report.
"""

from __future__ import annotations

import hashlib
import json
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from dxdesk import b64url

REPORT_DOMAIN = b"dxdesk report v1\n"
DEVICE_PROOF_DOMAIN = b"dxdesk device proof v1\n"
KEY_BYTES = 32
SIGNATURE_BYTES = 64
PUBLIC_KEY_CHARS = b64url.encoded_length(KEY_BYTES)  # 43
SIGNATURE_CHARS = b64url.encoded_length(SIGNATURE_BYTES)  # 86
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class BadSignatureError(Exception):
    """The signature does not verify, or a key or signature is malformed."""


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes_raw()


def private_key_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    if len(raw) != KEY_BYTES:
        raise ValueError("an Ed25519 private key is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key as it travels and is stored: unpadded base64url of 32 bytes."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return b64url.encode(public.public_bytes_raw())


def public_key_from_text(text: str) -> Ed25519PublicKey:
    try:
        raw = b64url.decode(text)
    except ValueError as exc:
        raise BadSignatureError("the public key is not base64url") from exc
    if len(raw) != KEY_BYTES:
        raise BadSignatureError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def report_message(content_sha256: str) -> bytes:
    if not _SHA256_HEX.match(content_sha256):
        raise ValueError("content_sha256 must be 64 lower-case hex digits")
    return REPORT_DOMAIN + content_sha256.encode("ascii")


def sign_report(key: Ed25519PrivateKey, content_sha256: str) -> str:
    return b64url.encode(key.sign(report_message(content_sha256)))


def verify_report(public_key: Ed25519PublicKey | str, content_sha256: str, signature: str) -> None:
    """Return quietly when ``signature`` is this key's on this content; else raise."""
    key = public_key_from_text(public_key) if isinstance(public_key, str) else public_key
    try:
        raw = b64url.decode(signature)
        message = report_message(content_sha256)
    except ValueError as exc:
        raise BadSignatureError(str(exc)) from exc
    if len(raw) != SIGNATURE_BYTES:
        raise BadSignatureError("an Ed25519 signature is 64 bytes")
    try:
        key.verify(raw, message)
    except InvalidSignature as exc:
        raise BadSignatureError("the signature does not match the report") from exc


def is_valid(public_key: Ed25519PublicKey | str, content_sha256: str, signature: str) -> bool:
    try:
        verify_report(public_key, content_sha256, signature)
    except BadSignatureError:
        return False
    return True


def device_proof_message(nonce: str, device_id: str, public_key: str, username: str) -> bytes:
    """What a device signs to register ``public_key``: the server's single-use nonce,
    the device id and the user name, so the proof answers one challenge for one
    registration and nothing else. A JSON array keeps the fields apart whatever
    characters they hold; the domain keeps it from being a report signature."""
    fields = json.dumps([nonce, device_id, public_key, username], ensure_ascii=False)
    return DEVICE_PROOF_DOMAIN + fields.encode("utf-8")


def sign_device_proof(key: Ed25519PrivateKey, nonce: str, device_id: str, username: str) -> str:
    message = device_proof_message(nonce, device_id, public_key_text(key), username)
    return b64url.encode(key.sign(message))


def device_proof_valid(
    public_key: str, proof: str, nonce: str, device_id: str, username: str
) -> bool:
    """Whether ``proof`` is the signature of ``public_key``'s owner over this
    registration (a malformed key or proof is simply not valid)."""
    try:
        key = public_key_from_text(public_key)
        raw = b64url.decode(proof)
    except (BadSignatureError, ValueError):
        return False
    if len(raw) != SIGNATURE_BYTES:
        return False
    try:
        key.verify(raw, device_proof_message(nonce, device_id, public_key, username))
    except InvalidSignature:
        return False
    return True


def fingerprint(key_text: str) -> str:
    """A short name for a public key in audit trails and listings."""
    return hashlib.sha256(key_text.encode("ascii")).hexdigest()[:16]
