"""The wrapped data key: right and wrong passwords, lockout, re-wrap, damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dxdesk.errors import NotFoundError
from dxdesk.identity import users
from dxdesk.identity.vault import LockedOutError, Vault, VaultError, WrongPasswordError
from dxdesk.paths import Paths
from tests.support.profiles import FAST_KDF


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def vault(tmp_path: Path, clock: Clock | None = None) -> Vault:
    return Vault(tmp_path / "u", clock or Clock(), FAST_KDF)


def test_right_password_gives_the_key_and_the_file_holds_no_key(tmp_path: Path) -> None:
    v = vault(tmp_path)
    key = v.create("cb@https://dx", "mật khẩu đúng")
    assert len(key) == 32
    assert v.unlock("mật khẩu đúng") == key
    raw = v.key_file.read_bytes()
    assert key not in raw and key.hex().encode() not in raw
    assert v.key_file.stat().st_mode & 0o077 == 0


def test_wrong_password_fails_cleanly_and_changes_nothing(tmp_path: Path) -> None:
    v = vault(tmp_path)
    key = v.create("a@x", "right")
    before = v.key_file.read_bytes()
    with pytest.raises(WrongPasswordError) as caught:
        v.unlock("wrong")
    assert caught.value.attempts_left == 4
    assert "Sai mật khẩu" in caught.value.render("vi")
    assert v.key_file.read_bytes() == before
    assert v.unlock("right") == key
    assert v.failures() == 0  # a success forgives earlier mistakes


def test_lockout_after_repeated_wrong_passwords_then_wait(tmp_path: Path) -> None:
    clock = Clock()
    v = vault(tmp_path, clock)
    v.create("a@x", "right")
    for _ in range(5):
        with pytest.raises(WrongPasswordError):
            v.unlock("guess")
    # Even the right password waits now: guessing cannot go on at full speed.
    with pytest.raises(LockedOutError) as caught:
        v.unlock("right")
    assert 0 < caught.value.wait_s <= 30
    assert "giây" in caught.value.render("vi")
    clock.now += 31
    with pytest.raises(WrongPasswordError):
        v.unlock("guess again")
    with pytest.raises(LockedOutError) as longer:
        v.unlock("right")
    assert longer.value.wait_s > 30  # the wait doubles
    clock.now += 61
    assert len(v.unlock("right")) == 32


def test_key_file_of_another_user_does_not_open(tmp_path: Path) -> None:
    a = Vault(tmp_path / "a", params=FAST_KDF)
    b = Vault(tmp_path / "b", params=FAST_KDF)
    a.create("a@x", "same password")
    b.create("b@x", "same password")
    payload = json.loads(a.key_file.read_text())
    payload["account"] = "b@x"  # pretend it is b's
    b.key_file.write_text(json.dumps(payload))
    with pytest.raises(WrongPasswordError):
        b.unlock("same password")


def test_rewrap_keeps_the_key_and_retires_the_old_password(tmp_path: Path) -> None:
    v = vault(tmp_path)
    key = v.create("a@x", "old")
    v.rewrap(key, "new")
    assert v.unlock("new") == key
    with pytest.raises(WrongPasswordError):
        v.unlock("old")


def test_damaged_key_file_is_a_clear_error(tmp_path: Path) -> None:
    v = vault(tmp_path)
    v.create("a@x", "pw")
    v.key_file.write_text("{not json")
    with pytest.raises(VaultError) as caught:
        v.unlock("pw")
    assert "key.json" in str(caught.value)


def test_enroll_then_offline_unlock_and_password_change(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path / "home").ensure()
    user = users.KnownUser("cb.binhlieu", "https://dx.example", "Nguyễn Văn A", "BL")
    first = users.enroll(paths, user, "pw1", params=FAST_KDF)
    assert users.UserIndex(paths).last() == first.user
    again = users.unlock(paths, first.user, "pw1")
    assert again.data_key == first.data_key
    # Changed on the server: without the old key or password, we must ask.
    with pytest.raises(users.PasswordChangedError):
        users.enroll(paths, user, "pw2", params=FAST_KDF)
    changed = users.enroll(paths, user, "pw2", previous_password="pw1", params=FAST_KDF)
    assert changed.data_key == first.data_key
    assert users.unlock(paths, first.user, "pw2").data_key == first.data_key


def test_users_get_separate_folders_and_the_index_lists_the_latest_first(
    tmp_path: Path,
) -> None:
    paths = Paths.under(tmp_path / "home").ensure()
    a = users.enroll(paths, users.KnownUser("cb.a", "https://dx"), "a", params=FAST_KDF)
    b = users.enroll(paths, users.KnownUser("cb.b", "https://dx"), "b", params=FAST_KDF)
    assert a.folder.root != b.folder.root
    assert a.data_key != b.data_key
    assert [u.username for u in users.UserIndex(paths).all()] == ["cb.b", "cb.a"]
    with pytest.raises(WrongPasswordError):
        users.unlock(paths, a.user, "b")
    with pytest.raises(NotFoundError):
        users.require_user(paths, "cb.c")


def test_local_audit_trail_records_unlock_and_refuses_edits(tmp_path: Path) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from dxdesk import audit
    from tests.support.profiles import new_user_profile

    profile = new_user_profile(tmp_path / "home")
    try:
        with profile.db.session() as session:
            audit.record(session, "unlock", "officer", "officer", method="password")
            session.commit()
            for statement in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
                with pytest.raises(IntegrityError, match="append-only"):
                    session.execute(text(statement))
                session.rollback()
            assert [e.action for e in audit.recent(session)] == ["unlock"]
    finally:
        profile.close()


def test_a_password_the_server_accepted_is_not_held_back_by_local_lockout(
    tmp_path: Path,
) -> None:
    clock = Clock()
    paths = Paths.under(tmp_path / "home").ensure()
    user = users.KnownUser("cb.a", "https://dx")
    first = users.enroll(paths, user, "right", params=FAST_KDF)
    for _ in range(6):
        with pytest.raises((WrongPasswordError, LockedOutError)):
            users.unlock(paths, first.user, "guess", clock=clock)
    with pytest.raises(LockedOutError):
        users.unlock(paths, first.user, "right", clock=clock)
    # An online login: the server has checked the password, so it opens at once.
    again = users.enroll(paths, user, "right", params=FAST_KDF)
    assert again.data_key == first.data_key
    assert users.unlock(paths, first.user, "right", clock=clock).data_key == first.data_key


@pytest.mark.parametrize(
    "stored",
    [
        '{"failures": 9, "not_before": 1e300}',  # 10^300 s: the report
        '{"failures": 9, "not_before": 1e999}',  # parses as infinity
        '{"failures": 1000000000000000000000, "not_before": 1e300}',
    ],
)
def test_an_absurd_wait_is_cut_to_the_documented_maximum(tmp_path: Path, stored: str) -> None:
    clock = Clock()
    v = vault(tmp_path, clock)
    v.create("a@x", "right")
    v.attempts_file.write_text(stored)
    with pytest.raises(LockedOutError) as caught:
        v.unlock("right")
    assert caught.value.wait_s == 15 * 60
    assert "900" in caught.value.render("en")
    with pytest.raises(LockedOutError):  # still waiting, and the wait never grows
        v.unlock("wrong")
    clock.now += 15 * 60
    with pytest.raises(WrongPasswordError):
        v.unlock("wrong")  # one more failure: the wait doubles up to the maximum only
    with pytest.raises(LockedOutError) as again:
        v.unlock("right")
    assert again.value.wait_s == 15 * 60
    clock.now += 15 * 60
    assert len(v.unlock("right")) == 32
    assert v.failures() == 0


@pytest.mark.parametrize(
    "stored", ["{not json", "[]", '{"failures": "x", "not_before": 0}', "[" * 100_000]
)
def test_a_damaged_attempts_file_counts_as_none(tmp_path: Path, stored: str) -> None:
    v = vault(tmp_path)
    key = v.create("a@x", "right")
    v.attempts_file.write_text(stored)
    with pytest.raises(WrongPasswordError) as caught:
        v.unlock("wrong")
    assert caught.value.attempts_left == 4
    assert v.unlock("right") == key
