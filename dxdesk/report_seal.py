"""What a classified ("mật") report seals, and how: the format both ends share.

The device seals the report's words — results, difficulties, proposals, indicator
values — and its attachments' file names to the server's X25519 key before the
report is queued; the attachments' bytes are sealed too (:mod:`dxdesk.attachment_seal`)
and the payload then names each one's original sha256, size and type. Progress and
the status claim stay in the clear so the server can track the task. The report id
is the associated data: a sealed payload cannot be moved into another report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from dxdesk import b64url, json_depth, sealing
from dxdesk.canonical import canonical_json

SEALED_FIELDS = ("results", "difficulties", "proposals", "indicator_values")
# What a sealed report's attachments are called outside the seal.
SEALED_FILE_NAME = "sealed"
# Far above what the field limits allow (3 × 20 000 characters, 100 indicators).
MAX_SEALED_BYTES = 1024 * 1024
MAX_SEALED_CHARS = b64url.encoded_length(MAX_SEALED_BYTES)
_AAD = b"dxdesk sealed report v1\n"


class SealedTooLargeError(ValueError):
    pass


@dataclass(frozen=True)
class Original:
    """A sealed attachment as it was before sealing: what a reviewer downloads."""

    sha256: str
    size: int
    mime_type: str


def aad(report_id: str) -> bytes:
    return _AAD + report_id.encode("utf-8")


def content(
    results: str,
    difficulties: str,
    proposals: str,
    indicator_values: dict[str, Any],
    attachments: list[tuple[str, str]],
    originals: dict[str, Original] | None = None,
) -> dict[str, Any]:
    """The sealed JSON object; ``attachments`` are (id, file name) pairs, and
    ``originals`` describe those whose bytes are sealed too."""
    known = originals or {}

    def item(attachment_id: str, name: str) -> dict[str, Any]:
        original = known.get(attachment_id)
        if original is None:  # bytes in the clear (a server sealing an old device's)
            return {"id": attachment_id, "file_name": name}
        return {"id": attachment_id, "file_name": name, "sha256": original.sha256,
                "size": original.size, "mime_type": original.mime_type}  # fmt: skip

    return {
        "results": results,
        "difficulties": difficulties,
        "proposals": proposals,
        "indicator_values": indicator_values,
        "attachments": [item(i, n) for i, n in sorted(attachments)],
    }


def seal_content(body: dict[str, Any], report_id: str, public_key: X25519PublicKey | str) -> str:
    blob = sealing.seal(public_key, canonical_json(body), aad(report_id))
    if len(blob) > MAX_SEALED_BYTES:
        raise SealedTooLargeError(f"the sealed report is over {MAX_SEALED_BYTES} bytes")
    return b64url.encode(blob)


def open_content(sealed: str, report_id: str, private_key: X25519PrivateKey) -> Any:
    """The JSON value inside; SealError when it cannot be opened, ValueError when
    what opened is not JSON (the caller validates its shape)."""
    try:
        blob = b64url.decode(sealed)
    except ValueError as exc:
        raise sealing.SealError("the sealed payload is not base64url") from exc
    plaintext = sealing.open_sealed(private_key, blob, aad(report_id))
    try:
        return json_depth.loads(plaintext)
    except (UnicodeDecodeError, ValueError) as exc:  # TooDeepError is a ValueError
        raise ValueError("the sealed payload is not JSON") from exc
