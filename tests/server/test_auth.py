"""Sign-in, tokens, expiry and revocation."""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from sync.server import accounts
from sync.server.db import open_database
from tests.server.conftest import (
    PASSWORD,
    Api,
    Backend,
    ServerProcess,
    World,
    login,
    run_cli,
)

RESET_PASSWORD = "mat-khau-dat-lai"  # what an admin resets a test account's password to


def test_login_returns_the_user_and_an_expiry(world: World, anon: Api) -> None:
    response = anon.post("/auth/login", {"username": world.usernames["oa"], "password": PASSWORD})
    body = response.json()
    assert body["user"] == {
        "username": world.usernames["oa"],
        "role": "officer",
        "unit_code": world.unit_a,
        "full_name": "",
    }
    assert body["expires_at"] > body["server_time"]
    assert len(body["token"]) >= 40
    assert world.officer_a.get("/me").json()["unit_code"] == world.unit_a


def test_wrong_password_and_unknown_user_look_alike(world: World, anon: Api) -> None:
    wrong = anon.post("/auth/login", {"username": world.usernames["oa"], "password": "sai-roi!"})
    nobody = anon.post("/auth/login", {"username": "nobody-here", "password": "sai-roi!"})
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json() == nobody.json()
    assert wrong.json()["error"]["code"] == "bad_credentials"


def test_requests_without_a_valid_token(anon: Api, server: ServerProcess) -> None:
    missing = anon.post("/sync", {})
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "auth_required"
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    forged = Api(server.base, "forged-token-value")
    try:
        response = forged.post("/sync", {})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "token_invalid"
    finally:
        forged.close()


def test_logout_revokes_the_token(world: World) -> None:
    api = login(world.server.base, world.usernames["ob"])
    try:
        assert api.post("/auth/logout").status_code == 200
        after = api.post("/sync", {})
        assert after.status_code == 401
        assert after.json()["error"]["code"] == "token_invalid"
        assert world.officer_b.post("/sync", {}).status_code == 200  # other sessions live on
    finally:
        api.close()


def test_cli_revokes_every_session_of_a_user(world: World) -> None:
    second = login(world.server.base, world.usernames["oa"])
    try:
        done = run_cli("user", "revoke-tokens", world.usernames["oa"], "--db", world.server.db_url)
        assert done.returncode == 0, done.stderr
        assert "2 session(s)" in done.stdout
        for api in (world.officer_a, second):
            assert api.post("/sync", {}).status_code == 401
    finally:
        second.close()


@pytest.mark.slow
def test_tokens_expire(backend: Backend, tmp_path: Path) -> None:
    url = backend.new_url()
    db = open_database(url)
    with db.write() as session:
        accounts.add_unit(session, "T", "Xã T", None, "commune")
        accounts.add_user(
            session, username="short", password=PASSWORD, role="officer", unit_code="T"
        )
    db.dispose()
    proc = ServerProcess(url, tmp_path / "home", "--token-ttl", "1.5")
    try:
        api = login(proc.base, "short")
        try:
            assert api.post("/sync", {}).status_code == 200
            time.sleep(2)
            expired = api.post("/sync", {})
            assert expired.status_code == 401
            assert expired.json()["error"]["code"] == "token_expired"
        finally:
            api.close()
    finally:
        proc.stop()


def test_repeated_wrong_passwords_lock_the_account_for_a_while(world: World, anon: Api) -> None:
    victim, other = world.usernames["oa"], world.usernames["ob"]
    for _ in range(accounts.MAX_FAILED_LOGINS):
        wrong = anon.post("/auth/login", {"username": victim, "password": "doan-mo"})
        assert wrong.status_code == 401
    locked = anon.post("/auth/login", {"username": victim, "password": PASSWORD})
    assert locked.status_code == 429  # even the right password, until the window passes
    assert locked.json()["error"]["code"] == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) > 0
    fine = anon.post("/auth/login", {"username": other, "password": PASSWORD})
    assert fine.status_code == 200  # other accounts are not affected


def test_a_burst_of_simultaneous_guesses_is_counted_like_a_sequence(
    world: World, anon: Api
) -> None:
    """Passwords are checked outside the write transaction, several at once; the
    failures are still counted one by one, so the sixth guess is refused."""
    victim = world.usernames["oa"]
    guesses = 3 * accounts.MAX_FAILED_LOGINS
    start = threading.Barrier(guesses)

    def guess(n: int) -> int:
        start.wait()
        body = {"username": victim, "password": f"doan-mo-{n}"}
        return requests.post(f"{anon.base}/api/v1/auth/login", json=body, timeout=60).status_code

    with ThreadPoolExecutor(guesses) as pool:
        statuses = sorted(pool.map(guess, range(guesses)))
    assert statuses.count(401) == accounts.MAX_FAILED_LOGINS
    assert statuses.count(429) == guesses - accounts.MAX_FAILED_LOGINS
    assert anon.post("/auth/login", {"username": victim, "password": PASSWORD}).status_code == 429


def test_a_password_changed_while_it_was_being_checked_does_not_sign_in(
    backend: Backend,
) -> None:
    db = open_database(backend.new_url())
    try:
        with db.write() as session:
            accounts.add_unit(session, "X", "Xã Thử", None, "commune")
            accounts.add_user(
                session, username="cb.x", password=PASSWORD, role="officer", unit_code="X"
            )
        with db.read() as session:
            checked = accounts.check_password(session, "cb.x", PASSWORD)
        assert checked.user_id is not None
        with db.write() as session:  # the admin resets the password meanwhile
            accounts.add_user(
                session,
                username="cb.x",
                password=RESET_PASSWORD,
                role="officer",
                unit_code="X",
                replace=True,
            )
        with db.write() as session:
            assert accounts.login(session, checked, dt.timedelta(days=1)) is None
        with db.read() as session:
            again = accounts.check_password(session, "cb.x", RESET_PASSWORD)
        with db.write() as session:
            assert accounts.login(session, again, dt.timedelta(days=1)) is not None
    finally:
        db.dispose()
