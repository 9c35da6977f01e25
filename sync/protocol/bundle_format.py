"""The USB bundle file: queued reports and their attachments, for the server only.

Layout (version 1)::

    DXDESK-BUNDLE 1\\n          magic line: what it is, format version
    {header}\\n                 canonical JSON, in the clear (see HEADER below)
    {signature}\\n              Ed25519 by the device, base64url, over the header line
    {sealed body}               sealed to the server's X25519 key (dxdesk.sealing)

The header is what a carrier, a relay or the server can read without any key: which
device made the bundle, for which server key, when, how many reports and bytes, and
the sha256 of the sealed body. So truncation and bit flips are found before any
cryptography, and the bundle can be routed to the right server. The device's
signature covers the header, hence the body's hash, hence everything. The sealed
body binds the header's identifying fields as associated data, so it cannot be
moved under another header.

Inside the seal: a 4-byte big-endian length, the zlib-compressed manifest (the
reports exactly as a sync sends them, the user who made them, and the list of
attachments with sha256 and size), then the attachments' bytes in that order.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from dxdesk import b64url, json_depth, sealing, signing
from dxdesk.canonical import canonical_json
from dxdesk.errors import DxdeskError
from dxdesk.messages import Message
from sync.protocol import signed_doc

FORMAT = 1
MAGIC = b"DXDESK-BUNDLE 1\n"
_MAGIC_PREFIX = b"DXDESK-BUNDLE "
KIND = "reports"
_SIGN_DOMAIN = b"dxdesk bundle v1\n"
_SEAL_DOMAIN = b"dxdesk bundle seal v1\n"
MAX_HEADER_BYTES = 4096
# A file this program will read at all (attachments included): it is held in memory.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # inflated
_LENGTH = struct.Struct(">I")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")

# Header field → type. The last two are not bound into the seal (they describe it).
HEADER: dict[str, type] = {
    "format": int,
    "kind": str,
    "bundle_id": str,
    "device_id": str,
    "signing_key": str,
    "server_key": str,
    "created_at": str,
    "reports": int,
    "attachments": int,
    "attachment_bytes": int,
    "body_size": int,
    "body_sha256": str,
}
_DESCRIBES_BODY = ("body_size", "body_sha256")


class BundleRefusedError(DxdeskError):
    """A bundle, receipt or task package that must not be used, and why."""

    exit_code = 16

    @property
    def code(self) -> str:
        return self.message.code if self.message is not None else "bundle_refused"


class BundleLoginNeededError(DxdeskError):
    """The keys a bundle, receipt or package needs come with a login (exit 11)."""

    exit_code = 11


class BundleFileExistsError(DxdeskError):
    """Refusing to overwrite a file (maybe an undelivered bundle): invalid input."""

    exit_code = 2


def refused(code: str, **params: object) -> BundleRefusedError:
    message = Message(code, params)
    return BundleRefusedError(message.text("en"), message)


def open_signed(kind: str, data: bytes, signing_key: str, what: str) -> dict[str, Any]:
    """The body of a server-signed file (``what``: "receipt" or "package", which
    names the refusal codes), refused unless it parses and its signature holds."""
    try:
        document = signed_doc.load(kind, data)
    except signed_doc.DocumentError as exc:
        raise refused(f"{what}_unreadable", detail=str(exc)) from exc
    if not signed_doc.verify(kind, document, signing_key):
        raise refused(f"{what}_bad_signature")
    return document.body


def login_needed(code: str) -> BundleLoginNeededError:
    message = Message(code, {})
    return BundleLoginNeededError(message.text("en"), message)


@dataclass(frozen=True)
class Header:
    bundle_id: str
    device_id: str
    signing_key: str  # the device's Ed25519 public key, base64url
    server_key: str  # fingerprint of the X25519 key the body is sealed to
    created_at: str
    reports: int
    attachments: int
    attachment_bytes: int
    body_size: int
    body_sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "kind": KIND, **self.__dict__}

    def seal_aad(self) -> bytes:
        bound = {k: v for k, v in self.as_json().items() if k not in _DESCRIBES_BODY}
        return _SEAL_DOMAIN + canonical_json(bound)


@dataclass(frozen=True)
class Parsed:
    """A bundle whose framing and checksum are intact; nothing verified by key yet."""

    header: Header
    header_line: bytes
    signature: str
    body: bytes
    file_sha256: str

    def signed_by(self, public_key: str) -> bool:
        try:
            key = signing.public_key_from_text(public_key)
        except signing.BadSignatureError:
            return False
        try:
            key.verify(b64url.decode(self.signature), _SIGN_DOMAIN + self.header_line)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Contents:
    user: str
    reports: list[dict[str, Any]]
    attachments: dict[str, bytes]  # sha256 → bytes, verified


# -- writing ----------------------------------------------------------------------


def build(
    *,
    bundle_id: str,
    device_id: str,
    signing_key: Ed25519PrivateKey,
    server_public_key: str,
    user: str,
    created_at: str,
    reports: list[dict[str, Any]],
    attachments: list[tuple[str, bytes]],
) -> bytes:
    """The whole bundle file. ``attachments``: (sha256, bytes), each once."""
    listed = [{"sha256": sha, "size": len(data)} for sha, data in attachments]
    manifest = {"format": FORMAT, "user": user, "reports": reports, "attachments": listed}
    packed = zlib.compress(canonical_json(manifest), 9)
    plaintext = b"".join([_LENGTH.pack(len(packed)), packed, *(d for _s, d in attachments)])
    draft = Header(
        bundle_id=bundle_id,
        device_id=device_id,
        signing_key=signing.public_key_text(signing_key),
        server_key=signing.fingerprint(server_public_key),
        created_at=created_at,
        reports=len(reports),
        attachments=len(attachments),
        attachment_bytes=sum(len(d) for _s, d in attachments),
        body_size=0,
        body_sha256="",
    )
    body = sealing.seal(server_public_key, plaintext, draft.seal_aad())
    header = Header(
        **{
            **draft.__dict__,
            "body_size": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }
    )
    line = canonical_json(header.as_json())
    signature = b64url.encode(signing_key.sign(_SIGN_DOMAIN + line))
    return MAGIC + line + b"\n" + signature.encode("ascii") + b"\n" + body


# -- reading ----------------------------------------------------------------------


def _header(raw: bytes) -> Header:
    try:
        data = json_depth.loads(raw)
    except json_depth.TooDeepError as exc:
        raise refused("bundle_header_damaged", detail="nested too deep") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise refused("bundle_header_damaged", detail="not JSON") from exc
    if not isinstance(data, dict) or set(data) != set(HEADER):
        raise refused("bundle_header_damaged", detail="unexpected fields")
    for name, kind in HEADER.items():
        value = data[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise refused("bundle_header_damaged", detail=name)
        if isinstance(value, int) and value < 0:
            raise refused("bundle_header_damaged", detail=name)
    if data["format"] != FORMAT or data["kind"] != KIND:
        raise refused("bundle_version", version=f"{data['format']}/{data['kind']}")
    checks = {
        "bundle_id": _ID.match(data["bundle_id"]),
        "device_id": _ID.match(data["device_id"]),
        "signing_key": len(data["signing_key"]) == signing.PUBLIC_KEY_CHARS,
        "server_key": _FINGERPRINT.match(data["server_key"]),
        "body_sha256": _SHA256.match(data["body_sha256"]),
        "created_at": len(data["created_at"]) <= 64,
    }
    for name, ok in checks.items():
        if not ok:
            raise refused("bundle_header_damaged", detail=name)
    return Header(**{k: v for k, v in data.items() if k not in ("format", "kind")})


def parse(data: bytes) -> Parsed:
    """Check the framing, the header and the body's checksum: enough to tell a
    truncated, corrupted or foreign file from a sound one, without any key."""
    if len(data) > MAX_FILE_BYTES:
        raise refused(
            "bundle_too_large", size_mb=len(data) // 2**20, limit_mb=MAX_FILE_BYTES // 2**20
        )
    if len(data) < len(MAGIC) and MAGIC.startswith(data):
        raise refused("bundle_truncated_header", found=len(data))
    if not data.startswith(_MAGIC_PREFIX):
        raise refused("bundle_not_ours")
    if not data.startswith(MAGIC):
        first = data.split(b"\n", 1)[0][len(_MAGIC_PREFIX) : len(_MAGIC_PREFIX) + 10]
        raise refused("bundle_version", version=first.decode("ascii", "replace"))
    rest = data[len(MAGIC) :]
    end = rest.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if end < 0:
        if len(rest) <= MAX_HEADER_BYTES:
            raise refused("bundle_truncated_header", found=len(data))
        raise refused("bundle_header_damaged", detail="no end of header")
    header_line = rest[:end]
    header = _header(header_line)
    signature_end = end + 1 + signing.SIGNATURE_CHARS
    expected = len(MAGIC) + signature_end + 1 + header.body_size
    if len(rest) < signature_end + 1 + header.body_size:
        raise refused(
            "bundle_truncated", found=len(data), expected=expected, missing=expected - len(data)
        )
    if rest[signature_end : signature_end + 1] != b"\n":
        raise refused("bundle_header_damaged", detail="signature line")
    signature = rest[end + 1 : signature_end].decode("ascii", "replace")
    body = rest[signature_end + 1 :]
    if len(body) != header.body_size or hashlib.sha256(body).hexdigest() != header.body_sha256:
        raise refused("bundle_corrupted")
    return Parsed(header, header_line, signature, body, hashlib.sha256(data).hexdigest())


def _manifest(plaintext: bytes) -> tuple[dict[str, Any], int]:
    if len(plaintext) < _LENGTH.size:
        raise refused("bundle_content_damaged", detail="too short")
    (length,) = _LENGTH.unpack_from(plaintext)
    start = _LENGTH.size
    if start + length > len(plaintext):
        raise refused("bundle_content_damaged", detail="manifest length")
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(plaintext[start : start + length], MAX_MANIFEST_BYTES + 1)
    except zlib.error as exc:
        raise refused("bundle_content_damaged", detail="manifest compression") from exc
    if len(raw) > MAX_MANIFEST_BYTES or inflater.unconsumed_tail or not inflater.eof:
        raise refused("bundle_content_damaged", detail="manifest size")
    try:
        manifest = json_depth.loads(raw)
    except json_depth.TooDeepError as exc:
        raise refused("bundle_content_damaged", detail="manifest nested too deep") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise refused("bundle_content_damaged", detail="manifest JSON") from exc
    if not isinstance(manifest, dict):
        raise refused("bundle_content_damaged", detail="manifest")
    return manifest, start + length


def open_body(parsed: Parsed, server_key: X25519PrivateKey) -> Contents:
    """Open the seal and check the manifest and every attachment's bytes."""
    try:
        plaintext = sealing.open_sealed(server_key, parsed.body, parsed.header.seal_aad())
    except sealing.SealError as exc:
        raise refused("bundle_unreadable") from exc
    manifest, offset = _manifest(plaintext)
    user, reports, listed = (manifest.get(k) for k in ("user", "reports", "attachments"))
    if manifest.get("format") != FORMAT or not isinstance(user, str) or not user:
        raise refused("bundle_content_damaged", detail="user")
    if not isinstance(reports, list) or not all(
        isinstance(r, dict) and isinstance(r.get("id"), str) for r in reports
    ):
        raise refused("bundle_content_damaged", detail="reports")
    if len(reports) != parsed.header.reports or not isinstance(listed, list):
        raise refused("bundle_content_damaged", detail="counts")
    attachments: dict[str, bytes] = {}
    for item in listed:
        sha = item.get("sha256") if isinstance(item, dict) else None
        size = item.get("size") if isinstance(item, dict) else None
        if not isinstance(sha, str) or not isinstance(size, int) or size < 0:
            raise refused("bundle_content_damaged", detail="attachments")
        data = plaintext[offset : offset + size]
        offset += size
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
            raise refused("bundle_content_damaged", detail=f"attachment {sha[:12]}")
        attachments[sha] = data
    if offset != len(plaintext) or len(attachments) != parsed.header.attachments:
        raise refused("bundle_content_damaged", detail="attachment bytes")
    return Contents(user, reports, attachments)
