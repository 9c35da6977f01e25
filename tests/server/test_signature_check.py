"""The server's signature check (libsodium) against the devices' signer (OpenSSL)."""

from __future__ import annotations

import random

from dxdesk import b64url, signing
from dxdesk.canonical import content_hash
from sync.server.signature_check import verifies

SHA = content_hash({"id": "r1", "progress": 40, "results": "Đã số hoá 480 hồ sơ"})
OTHER_SHA = content_hash({"id": "r1", "progress": 41, "results": "Đã số hoá 480 hồ sơ"})


def test_a_device_signature_verifies_with_any_of_the_registered_keys() -> None:
    key = signing.generate()
    signature = signing.sign_report(key, SHA)
    earlier = signing.public_key_text(signing.generate())
    assert verifies([signing.public_key_text(key)], SHA, signature)
    assert verifies([earlier, signing.public_key_text(key)], SHA, signature)
    assert not verifies([earlier], SHA, signature)
    assert not verifies([], SHA, signature)
    assert not verifies([signing.public_key_text(key)], OTHER_SHA, signature)


def test_malformed_keys_signatures_and_hashes_are_refused_not_raised() -> None:
    key = signing.generate()
    public = signing.public_key_text(key)
    signature = signing.sign_report(key, SHA)
    for bad_signature in ("", "x" * 86, signature[:-2], signature + "AA", "+" * 86):
        assert not verifies([public], SHA, bad_signature)
    for bad_sha in ("", SHA.upper(), SHA[:-1], "g" * 64):
        assert not verifies([public], bad_sha, signature)
    # A key that is not a curve point, a short key and non-base64: skipped, and the
    # real key after them still counts.
    not_a_point = b64url.encode(b"\xff" * 32)
    for bad_key in (not_a_point, public[:-1], "not a key!"):
        assert not verifies([bad_key], SHA, signature)
        assert verifies([bad_key, public], SHA, signature)


def test_it_agrees_with_the_device_side_check_on_altered_signatures() -> None:
    key = signing.generate()
    public = signing.public_key_text(key)
    raw = b64url.decode(signing.sign_report(key, SHA))
    chance = random.Random(7)
    disagreements = []
    for _ in range(200):
        altered = bytearray(raw)
        altered[chance.randrange(len(altered))] ^= 1 << chance.randrange(8)
        text = b64url.encode(bytes(altered))
        if verifies([public], SHA, text) != signing.is_valid(public, SHA, text):
            disagreements.append(text)
        assert not verifies([public], SHA, text)
    assert disagreements == []
