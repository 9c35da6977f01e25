"""Unpadded base64url: how keys, signatures and sealed payloads travel as text.

Decoding is strict (alphabet, no padding, canonical trailing bits) so that one
value has exactly one spelling: a signature or key cannot be varied in transit
while still meaning the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import re

_ALPHABET = re.compile(r"^[A-Za-z0-9_-]*$")


def encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode(text: str) -> bytes:
    """Raise ValueError for anything but the canonical encoding of some bytes."""
    if not _ALPHABET.match(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not unpadded base64url") from exc
    if encode(data) != text:
        raise ValueError("not the canonical base64url spelling")
    return data


def encoded_length(size: int) -> int:
    """Characters needed for ``size`` bytes."""
    return (size * 4 + 2) // 3
