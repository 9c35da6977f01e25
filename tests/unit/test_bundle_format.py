"""The USB bundle file and the signed documents (receipts, task packages), byte
for byte: every kind of damage is named before any key is needed where possible."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from dxdesk import b64url, json_depth, report_seal, sealing, signing
from dxdesk.canonical import canonical_json
from sync.protocol import bundle_format, signed_doc
from sync.protocol.bundle_format import BundleRefusedError

SERVER = sealing.generate()
SERVER_PUBLIC = sealing.public_key_text(SERVER)
DEVICE = signing.generate()


def _bundle(**overrides: Any) -> bytes:
    photo = b"\xff\xd8\xff\xe0" + os.urandom(3000)
    values: dict[str, Any] = {
        "bundle_id": str(uuid.uuid4()),
        "device_id": str(uuid.uuid4()),
        "signing_key": DEVICE,
        "server_public_key": SERVER_PUBLIC,
        "user": "cb.binhlieu",
        "created_at": "2026-12-08T03:00:00+00:00",
        "reports": [{"id": "r1", "results": "Đã số hoá 480 hồ sơ"}, {"id": "r2"}],
        "attachments": [(hashlib.sha256(photo).hexdigest(), photo)],
    }
    values.update(overrides)
    return bundle_format.build(**values)


def _code(data: bytes, key: X25519PrivateKey | None = None) -> str:
    with pytest.raises(BundleRefusedError) as caught:
        parsed = bundle_format.parse(data)
        if key is not None:
            bundle_format.open_body(parsed, key)
    return caught.value.code


def test_round_trip_and_what_a_carrier_can_see() -> None:
    data = _bundle()
    parsed = bundle_format.parse(data)
    header = parsed.header
    assert (header.reports, header.attachments, header.attachment_bytes) == (2, 1, 3004)
    assert header.server_key == signing.fingerprint(SERVER_PUBLIC)
    assert parsed.signed_by(signing.public_key_text(DEVICE))
    assert not parsed.signed_by(signing.public_key_text(signing.generate()))
    assert "Đã số hoá".encode() not in data and b"cb.binhlieu" not in data
    contents = bundle_format.open_body(parsed, SERVER)
    assert contents.user == "cb.binhlieu"
    assert [r["id"] for r in contents.reports] == ["r1", "r2"]
    assert next(iter(contents.attachments.values())).startswith(b"\xff\xd8")


@pytest.mark.parametrize("keep", [10, 200, 400, -1, -500])
def test_a_truncated_bundle_is_named_truncated(keep: int) -> None:
    data = _bundle()
    cut = data[:keep]
    assert _code(cut) in ("bundle_truncated", "bundle_truncated_header")
    if keep < 0:
        assert _code(cut) == "bundle_truncated"


def test_a_flipped_bit_is_found_wherever_it_is() -> None:
    data = _bundle()
    header_end = data.index(b"\n", len(bundle_format.MAGIC))
    signature_end = data.index(b"\n", header_end + 1)
    for position, expected in (
        (len(data) - 100, {"bundle_corrupted"}),  # the sealed body: the checksum
        (signature_end - 5, {"signature"}),  # the signature line: does not verify
        (header_end - 30, {"bundle_header_damaged", "signature", "bundle_corrupted"}),
        (3, {"bundle_not_ours"}),
    ):
        flipped = bytearray(data)
        flipped[position] ^= 0x04
        try:
            parsed = bundle_format.parse(bytes(flipped))
        except BundleRefusedError as exc:
            assert exc.code in expected, position
            continue
        assert "signature" in expected, position
        assert not parsed.signed_by(signing.public_key_text(DEVICE))


def test_another_servers_key_cannot_open_it_and_a_moved_body_does_not_open() -> None:
    data = _bundle()
    assert _code(data, sealing.generate()) == "bundle_unreadable"
    # The body of one bundle under the (re-signed) header of another: the seal's
    # associated data no longer matches.
    other = bundle_format.parse(_bundle())
    mine = bundle_format.parse(data)
    moved = bundle_format.Parsed(other.header, other.header_line, other.signature, mine.body, "")
    with pytest.raises(BundleRefusedError) as caught:
        bundle_format.open_body(moved, SERVER)
    assert caught.value.code == "bundle_unreadable"


def test_other_files_and_versions_are_named() -> None:
    assert _code(b"PK\x03\x04 a zip file") == "bundle_not_ours"
    assert _code(b"DXDESK-BUNDLE 2\n{}\n") == "bundle_version"
    assert _code(bundle_format.MAGIC + b"{not json}\n" + b"x" * 90) == "bundle_header_damaged"


def test_signed_documents_verify_and_refuse_tampering() -> None:
    key = signing.generate()
    public = signing.public_key_text(key)
    data = signed_doc.dump("receipt", {"bundle_id": "b", "acks": []}, key)
    document = signed_doc.load("receipt", data)
    assert signed_doc.verify("receipt", document, public)
    assert not signed_doc.verify("receipt", document, signing.public_key_text(signing.generate()))
    tampered = data.replace(b'"b"', b'"c"')
    assert not signed_doc.verify("receipt", signed_doc.load("receipt", tampered), public)
    # A receipt's signature never passes for a task package's.
    as_tasks = data.replace(b"DXDESK-RECEIPT", b"DXDESK-TASKS")
    assert not signed_doc.verify("tasks", signed_doc.load("tasks", as_tasks), public)
    for damaged, reason in (
        (data[:-10], "damaged"),
        (b"hello", "not_ours"),
        (b"DXDESK-RECEIPT 9\n{}\nx\n", "version"),
    ):
        with pytest.raises(signed_doc.DocumentError) as caught:
            signed_doc.load("receipt", damaged)
        assert caught.value.reason == reason


def test_a_relay_checks_what_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from sync import relay

    data = _bundle()
    assert relay.check_locally(data, SERVER_PUBLIC).header.reports == 2
    assert relay.check_locally(data, None).header.reports == 2  # no key known: no opinion
    other = sealing.public_key_text(sealing.generate())
    with pytest.raises(BundleRefusedError) as caught:
        relay.check_locally(data, other)
    assert caught.value.code == "bundle_other_server"
    assert signing.fingerprint(other) in str(caught.value)
    monkeypatch.setattr(relay, "MAX_BUNDLE_BYTES", len(data) - 1)
    with pytest.raises(BundleRefusedError) as caught:
        relay.check_locally(data, SERVER_PUBLIC)
    assert caught.value.code == "bundle_too_large_to_upload"
    assert "import-bundle" in caught.value.render("vi")


# -- nesting: every reader refuses deep JSON with its own error -------------------

DEEP = b"[" * 100_000 + b"]" * 100_000  # Python's parser alone: RecursionError
OVER_THE_BOUND = b"[" * 40 + b"]" * 40  # parses, but no format of ours nests so deep


@pytest.mark.parametrize("value", [DEEP, OVER_THE_BOUND], ids=["deep", "over_the_bound"])
def test_a_deeply_nested_header_is_a_damaged_header(value: bytes) -> None:
    header = b'{"format":1,"kind":' + value[:4000] + b"}"
    data = bundle_format.MAGIC + header + b"\n" + b"A" * 86 + b"\n"
    assert _code(data) == "bundle_header_damaged"


@pytest.mark.parametrize("value", [DEEP, OVER_THE_BOUND], ids=["deep", "over_the_bound"])
def test_a_deeply_nested_manifest_is_damaged_content(
    value: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def manifest_with_a_deep_report(body: Any) -> bytes:
        if isinstance(body, dict) and "reports" in body and "user" in body:
            return b'{"format":1,"user":"u","attachments":[],"reports":[{"id":"r1","x":%s}]}' % (
                value
            )
        return canonical_json(body)

    monkeypatch.setattr(bundle_format, "canonical_json", manifest_with_a_deep_report)
    data = _bundle(attachments=[])
    monkeypatch.undo()
    assert _code(data, SERVER) == "bundle_content_damaged"


@pytest.mark.parametrize("kind, what", [("receipt", "receipt"), ("tasks", "package")])
@pytest.mark.parametrize("value", [DEEP, OVER_THE_BOUND], ids=["deep", "over_the_bound"])
def test_deeply_nested_receipts_and_task_packages_are_unreadable(
    kind: str, what: str, value: bytes
) -> None:
    key = signing.generate()
    line = b'{"acks":' + value + b"}"
    signature = b64url.encode(key.sign(f"dxdesk {kind} v1\n".encode() + line))
    data = signed_doc.magic(kind) + line + b"\n" + signature.encode() + b"\n"
    with pytest.raises(BundleRefusedError) as caught:
        bundle_format.open_signed(kind, data, signing.public_key_text(key), what)
    assert caught.value.code == f"{what}_unreadable"
    assert "nested too deep" in str(caught.value)


@pytest.mark.parametrize("value", [DEEP, OVER_THE_BOUND], ids=["deep", "over_the_bound"])
def test_a_deeply_nested_sealed_report_is_not_json(value: bytes) -> None:
    blob = sealing.seal(SERVER_PUBLIC, b'{"results":' + value + b"}", report_seal.aad("r1"))
    with pytest.raises(ValueError, match="not JSON"):
        report_seal.open_content(b64url.encode(blob), "r1", SERVER)


def test_json_depth_allows_what_the_formats_need_and_names_other_damage() -> None:
    assert json_depth.loads('{"a":[{"b":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]}') == {
        "a": [{"b": "[" * 36}]
    }
    assert json_depth.loads(b"[" * 32 + b"]" * 32) is not None
    with pytest.raises(json.JSONDecodeError):
        json_depth.loads("[" * 40)  # unbalanced, not deep: the parser names it
