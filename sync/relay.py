"""``dxdesk deliver-bundle``: hand someone else's USB bundle to the server.

The relay is any signed-in dxdesk user, of any unit. It never opens the bundle (it
cannot: the body is sealed to the server) and gains no rights over the unit that
made it: the server judges the reports as the device and user that signed the
bundle. Before uploading, the relay reads only the bundle's clear header, to refuse
a truncated or corrupted copy, or one sealed for another server, without wasting
the connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from dxdesk import signing
from sync.protocol import MAX_BUNDLE_BYTES, MIB, BundleOut, bundle_format, signed_doc
from sync.protocol.bundle_format import refused
from sync.transport import Transport


@dataclass(frozen=True)
class Checked:
    header: bundle_format.Header
    data: bytes


def check_locally(data: bytes, server_public_key: str | None) -> Checked:
    """What can be known without any key: framing, size, checksum, which server."""
    parsed = bundle_format.parse(data)
    header = parsed.header
    if server_public_key is not None:
        ours = signing.fingerprint(server_public_key)
        if header.server_key != ours:
            raise refused("bundle_other_server", bundle_key=header.server_key, server_key=ours)
    if len(data) > MAX_BUNDLE_BYTES:
        raise refused(
            "bundle_too_large_to_upload",
            size_mb=len(data) // MIB,
            limit_mb=MAX_BUNDLE_BYTES // MIB,
        )
    return Checked(header, data)


def deliver(transport: Transport, checked: Checked, server_signing_key: str | None) -> BundleOut:
    """Upload the bundle; the answer carries the server's signed receipt, which is
    checked with the signing key this profile learnt at login (when it has one)."""
    out = transport.call("POST", "/bundles", BundleOut, raw=checked.data)
    if server_signing_key is not None:
        try:
            document = signed_doc.load("receipt", out.receipt.encode("utf-8"))
        except signed_doc.DocumentError as exc:
            raise refused("receipt_unreadable", detail=str(exc)) from exc
        if not signed_doc.verify("receipt", document, server_signing_key):
            raise refused("receipt_bad_signature")
    return out
