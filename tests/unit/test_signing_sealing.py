"""The primitives: Ed25519 report signatures, X25519 sealing, strict base64url."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature

from dxdesk import b64url, report_seal, sealing, signing
from dxdesk.canonical import content_hash

SHA = content_hash({"id": "r1", "progress": 40})


def test_base64url_has_exactly_one_spelling() -> None:
    for data in (b"", b"\x00", b"\xff\xfe", bytes(range(64))):
        assert b64url.decode(b64url.encode(data)) == data
    assert b64url.encoded_length(32) == len(b64url.encode(bytes(32))) == 43
    for bad in ("AB==", "A", "AB+/", "AB C", "AR"):  # padding, length, alphabet, trailing bits
        with pytest.raises(ValueError):
            b64url.decode(bad)


def test_a_signature_verifies_only_for_its_key_and_hash() -> None:
    key = signing.generate()
    public = signing.public_key_text(key)
    signature = signing.sign_report(key, SHA)
    assert len(signature) == signing.SIGNATURE_CHARS
    signing.verify_report(public, SHA, signature)
    other = content_hash({"id": "r1", "progress": 41})
    with pytest.raises(signing.BadSignatureError):
        signing.verify_report(public, other, signature)
    with pytest.raises(signing.BadSignatureError):
        signing.verify_report(signing.public_key_text(signing.generate()), SHA, signature)
    raw = bytearray(b64url.decode(signature))
    raw[10] ^= 0x01
    assert not signing.is_valid(public, SHA, b64url.encode(bytes(raw)))
    for malformed in ("", "x" * 86, signature[:-2]):
        assert not signing.is_valid(public, SHA, malformed)
    with pytest.raises(signing.BadSignatureError):
        signing.verify_report("not a key", SHA, signature)


def test_the_signed_message_is_domain_separated() -> None:
    key = signing.generate()
    signature = b64url.decode(signing.sign_report(key, SHA))
    # The raw hash alone, without the prefix, is not what was signed.
    key.public_key().verify(signature, b"dxdesk report v1\n" + SHA.encode())
    with pytest.raises(InvalidSignature):
        key.public_key().verify(signature, SHA.encode())
    with pytest.raises(ValueError):
        signing.report_message("ABC")


def test_keys_round_trip_through_their_text_and_bytes() -> None:
    key = signing.generate()
    again = signing.private_key_from_bytes(signing.private_bytes(key))
    assert signing.public_key_text(again) == signing.public_key_text(key)
    sealer = sealing.generate()
    assert sealing.public_key_text(
        sealing.private_key_from_bytes(sealing.private_bytes(sealer))
    ) == sealing.public_key_text(sealer)
    with pytest.raises(ValueError):
        sealing.public_key_from_text(b64url.encode(bytes(31)))


def test_sealed_bytes_open_only_with_the_right_key_and_context() -> None:
    recipient = sealing.generate()
    public = sealing.public_key_text(recipient)
    blob = sealing.seal(public, "Mật: số liệu".encode(), b"report r1")
    assert len(blob) == len("Mật: số liệu".encode()) + sealing.OVERHEAD
    assert sealing.open_sealed(recipient, blob, b"report r1").decode() == "Mật: số liệu"
    # Fresh ephemeral key each time: the same words never seal the same way.
    assert sealing.seal(public, b"x", b"a") != sealing.seal(public, b"x", b"a")
    with pytest.raises(sealing.SealError, match="wrong key"):
        sealing.open_sealed(sealing.generate(), blob, b"report r1")
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(recipient, blob, b"report r2")


@pytest.mark.parametrize("position", [0, 1, 20, 33, 40, -1])
def test_any_altered_byte_is_detected(position: int) -> None:
    recipient = sealing.generate()
    blob = bytearray(sealing.seal(recipient.public_key(), b"kho K9", b""))
    blob[position] ^= 0x01
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(recipient, bytes(blob), b"")


def test_short_or_foreign_payloads_are_refused() -> None:
    recipient = sealing.generate()
    with pytest.raises(sealing.SealError, match="too short"):
        sealing.open_sealed(recipient, b"\x01" + bytes(20), b"")
    blob = sealing.seal(recipient.public_key(), b"x", b"")
    with pytest.raises(sealing.SealError, match="format"):
        sealing.open_sealed(recipient, b"\x02" + blob[1:], b"")
    with pytest.raises(sealing.SealError):  # an all-zero (low-order) point
        sealing.seal(b64url.encode(bytes(32)), b"x", b"")


def test_a_sealed_report_is_bound_to_its_id() -> None:
    server = sealing.generate()
    content = report_seal.content("Kết quả", "Khó", "", {"HS": 1}, [("b", "y.pdf"), ("a", "x.pdf")])
    assert [a["id"] for a in content["attachments"]] == ["a", "b"]
    sealed = report_seal.seal_content(content, "r1", sealing.public_key_text(server))
    assert report_seal.open_content(sealed, "r1", server) == content
    with pytest.raises(sealing.SealError):
        report_seal.open_content(sealed, "r2", server)
    with pytest.raises(sealing.SealError):
        report_seal.open_content("!!", "r1", server)


def test_a_device_proof_binds_the_challenge_device_key_and_user() -> None:
    key, other = signing.generate(), signing.generate()
    public = signing.public_key_text(key)
    proof = signing.sign_device_proof(key, "nonce-1", "device-1", "cb.a")
    assert signing.device_proof_valid(public, proof, "nonce-1", "device-1", "cb.a")
    for nonce, device_id, user in (
        ("nonce-2", "device-1", "cb.a"),
        ("nonce-1", "device-2", "cb.a"),
        ("nonce-1", "device-1", "cb.b"),
        # Fields are kept apart: moving a character across a boundary changes the message.
        ("nonce-1", "device-1c", "b.a"),
    ):
        assert not signing.device_proof_valid(public, proof, nonce, device_id, user)
    assert not signing.device_proof_valid(signing.public_key_text(other), proof, "nonce-1",
                                          "device-1", "cb.a")  # fmt: skip
    # Neither a report signature nor garbage passes as a proof.
    assert not signing.device_proof_valid(public, signing.sign_report(key, SHA), SHA, "d", "u")
    assert not signing.device_proof_valid(public, "not-base64!", "nonce-1", "device-1", "cb.a")
    assert not signing.device_proof_valid("short", proof, "nonce-1", "device-1", "cb.a")
