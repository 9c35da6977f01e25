"""Receipts for delivered USB bundles, signed with the server's Ed25519 key.

A receipt names the bundle (id, the device that made it, the sha256 of the file)
and acknowledges each report exactly as a sync round would (``Ack``). It travels
back to the device in the upload's answer, or as a small file on the stick
(``dxdesk import-receipt``); the device checks the signature with the key it
learnt at login.
"""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol import Ack, signed_doc
from sync.server import keys

KIND = "receipt"
FORMAT = 1


def make(
    signing_key: Ed25519PrivateKey,
    *,
    bundle_id: str,
    device_id: str,
    file_sha256: str,
    received_at: dt.datetime,
    acks: list[Ack],
) -> bytes:
    body = {
        "format": FORMAT,
        "kind": KIND,
        "bundle_id": bundle_id,
        "device_id": device_id,
        "bundle_sha256": file_sha256,
        "server": keys.signing_fingerprint(signing_key),
        "received_at": received_at.isoformat(),
        "acks": [ack.model_dump(mode="json") for ack in acks],
    }
    return signed_doc.dump(KIND, body, signing_key)


def acks_of(receipt: bytes) -> list[Ack]:
    """The acks of a receipt this server made (for a replayed delivery's counts)."""
    document = signed_doc.load(KIND, receipt)
    return [Ack.model_validate(item) for item in document.body["acks"]]
