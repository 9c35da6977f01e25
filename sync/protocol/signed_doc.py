"""Small signed JSON documents carried on a USB stick: receipts and task packages.

A document is three lines of text::

    DXDESK-RECEIPT 1            ← the magic line: what it is, format version
    {"…": …}                    ← canonical JSON (sorted keys, no spaces, UTF-8)
    <signature>                 ← Ed25519, unpadded base64url

The signature is over a domain string and the JSON line's exact bytes, so a
receipt's signature can never pass for a task package's, nor for a report's.
Documents are signed, not encrypted: whoever carries one can read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dxdesk import b64url, json_depth, signing
from dxdesk.canonical import canonical_json

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


class DocumentError(ValueError):
    """The bytes are not a readable document of the expected kind; ``reason`` is
    one of ``not_ours``, ``version``, ``damaged``, ``too_large``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Document:
    body: dict[str, Any]
    signed: bytes  # the JSON line exactly as it was signed
    signature: str


def _domain(kind: str) -> bytes:
    return f"dxdesk {kind} v1\n".encode("ascii")


def magic(kind: str) -> bytes:
    return f"DXDESK-{kind.upper()} 1\n".encode("ascii")


def dump(kind: str, body: dict[str, Any], key: Ed25519PrivateKey) -> bytes:
    line = canonical_json(body)
    signature = b64url.encode(key.sign(_domain(kind) + line))
    return magic(kind) + line + b"\n" + signature.encode("ascii") + b"\n"


def load(kind: str, data: bytes) -> Document:
    """Parse without checking the signature (see :func:`verify`)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError("too_large", f"larger than {MAX_DOCUMENT_BYTES} bytes")
    expected = magic(kind)
    prefix = expected.split(b" ")[0] + b" "
    if not data.startswith(prefix):
        raise DocumentError("not_ours", f"does not start with {expected.strip().decode()}")
    if not data.startswith(expected):
        raise DocumentError("version", "written by a newer dxdesk (unknown format version)")
    lines = data[len(expected) :].split(b"\n")
    if len(lines) != 3 or lines[2] != b"":
        raise DocumentError("damaged", "truncated or has extra lines")
    line, signature_bytes = lines[0], lines[1]
    try:
        body = json_depth.loads(line)
        signature = signature_bytes.decode("ascii")
        raw_signature = b64url.decode(signature)
    except json_depth.TooDeepError as exc:
        raise DocumentError("damaged", "the content is nested too deep") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise DocumentError("damaged", "the content or signature is damaged") from exc
    if not isinstance(body, dict) or len(raw_signature) != signing.SIGNATURE_BYTES:
        raise DocumentError("damaged", "the content or signature is damaged")
    return Document(body, line, signature)


def verify(kind: str, document: Document, public_key: str) -> bool:
    """True when ``public_key`` (Ed25519, base64url) signed this document."""
    try:
        key = signing.public_key_from_text(public_key)
        key.verify(b64url.decode(document.signature), _domain(kind) + document.signed)
    except (signing.BadSignatureError, InvalidSignature, ValueError):
        return False
    return True
