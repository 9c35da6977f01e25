"""Login challenges, with the clock handed in: issued by this server only, expiring
after their time to live, and refused once spent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from dxdesk import b64url, signing
from sync.server import challenges
from sync.server.db import open_database
from sync.server.errors import ApiError
from sync.server.tables import LoginChallenge

NOW = dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)
KEY = challenges.mac_key(signing.generate())


def _refusal(nonce: str, now: dt.datetime, key: bytes = KEY) -> str:
    with pytest.raises(ApiError) as caught:
        challenges.check(key, nonce, now)
    assert caught.value.status == 400
    return caught.value.detail.code


def test_a_nonce_lives_for_its_ttl_only() -> None:
    nonce, expires = challenges.issue(KEY, NOW)
    assert len(nonce) == 54 and expires == NOW + challenges.TTL
    assert challenges.check(KEY, nonce, expires - dt.timedelta(seconds=1)) == expires
    assert _refusal(nonce, expires) == "challenge_expired"
    assert challenges.issue(KEY, NOW)[0] != nonce  # fresh every time


def test_only_this_servers_nonces_are_accepted() -> None:
    nonce, _ = challenges.issue(KEY, NOW)
    other = challenges.mac_key(signing.generate())
    assert _refusal(nonce, NOW, other) == "challenge_invalid"
    raw = bytearray(b64url.decode(nonce))
    raw[3] ^= 1  # a later expiry, say
    assert _refusal(b64url.encode(bytes(raw)), NOW) == "challenge_invalid"
    for junk in ("", "A" * 54, "not base64url!", b64url.encode(b"\0" * 39)):
        assert _refusal(junk, NOW) == "challenge_invalid"


def test_a_spent_nonce_is_refused_and_old_ones_are_cleared(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    try:
        first, first_expiry = challenges.issue(KEY, NOW)
        with db.write() as session:
            challenges.spend(session, first, first_expiry, NOW)
        with db.write() as session, pytest.raises(ApiError) as caught:
            challenges.spend(session, first, first_expiry, NOW)
        assert caught.value.detail.code == "challenge_used"
        later = first_expiry + dt.timedelta(seconds=1)
        second, second_expiry = challenges.issue(KEY, later)
        with db.write() as session:
            challenges.spend(session, second, second_expiry, later)
        with db.read() as session:
            left = session.scalars(select(LoginChallenge.nonce_sha256)).all()
        assert len(left) == 1  # the expired one is gone
    finally:
        db.dispose()
