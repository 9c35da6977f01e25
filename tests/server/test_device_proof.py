"""Device keys are registered only with proof that the device holds the private key
(a signature over a fresh, single-use, short-lived server challenge), and a key
belongs to one user; a shared PC still has one key per user under one device id."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests
from sqlalchemy import select

from dxdesk import signing
from sync.server import accounts, challenges, keys
from sync.server.config import key_file
from sync.server.db import Database
from sync.server.tables import AuditEvent, Device, User
from tests.server.conftest import PASSWORD, Api, World, login, report_body
from tests.support.device import TestDevice


def _post_login(world: World, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{world.server.base}/api/v1/auth/login", json=body, timeout=30)


def _code(response: requests.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


def _keys_of(db: Database, username: str) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.execute(
            select(Device.device_id, Device.public_key)
            .join(User, User.id == Device.user_id)
            .where(User.username == username)
            .order_by(Device.id)
        ).all()
    return [(row.device_id, row.public_key) for row in rows]


def _proof(device: TestDevice, nonce: str, username: str) -> str:
    return signing.sign_device_proof(device.key, nonce, device.device_id, username)


def _second_officer_of_unit_a(world: World, db: Database) -> str:
    name = f"oa2.{world.prefix.lower()}"
    with db.write() as session:
        accounts.add_user(
            session, username=name, password=PASSWORD, role="officer", unit_code=world.unit_a
        )
    return name


def test_a_foreign_key_is_not_registered_without_its_private_key(
    world: World, server_db: Database
) -> None:
    """The attack: a colleague of the same unit registers the victim's public key
    (it travels in the clear, e.g. in a USB bundle's header) under the victim's
    device id, then sends the victim's signed reports with their own token."""
    victim = world.officer_a.device
    assert victim is not None
    attacker = _second_officer_of_unit_a(world, server_db)
    signed = victim.sign(report_body(world.tasks_a[0], progress=70))  # never sent by the victim
    registration = {"device_id": victim.device_id, "device_public_key": victim.public_key}
    credentials = {"username": attacker, "password": PASSWORD}

    # No proof at all (what logins sent before): refused, "update dxdesk".
    bare = _post_login(world, {**credentials, **registration})
    assert bare.status_code == 426, bare.text
    assert _code(bare) == "device_proof_required"
    # A proof made with the attacker's own key over a genuine challenge.
    own = TestDevice(victim.device_id)
    forged = {**own.login_fields(world.server.base, attacker), **registration}
    refused = _post_login(world, {**credentials, **forged})
    assert (refused.status_code, _code(refused)) == (400, "bad_device_proof")
    # The victim's own proof, captured from the victim's login: bound to their name.
    captured = victim.login_fields(world.server.base, world.usernames["oa"])
    replayed = _post_login(world, {**credentials, **captured})
    assert (replayed.status_code, _code(replayed)) == (400, "bad_device_proof")
    assert _keys_of(server_db, attacker) == []

    # Logged in some other way, the attacker cannot make the victim's report theirs.
    api = login(world.server.base, attacker)
    try:
        ack = api.sync(reports=[signed])["acks"][0]
        assert (ack["status"], ack["code"]) == ("rejected", "unknown_device")
    finally:
        api.close()
    # The victim's report still counts, as the victim's.
    assert world.officer_a.sync(reports=[signed])["acks"][0]["status"] == "accepted"
    shown = world.reviewer.get(f"/reports/{signed['id']}").json()
    assert shown["signed_by"] == world.usernames["oa"]


def test_a_challenge_is_used_once(world: World, server_db: Database) -> None:
    device = TestDevice()
    name = world.usernames["ob"]
    body = {"username": name, "password": PASSWORD, **device.login_fields(world.server.base, name)}
    assert _post_login(world, body).status_code == 200
    again = _post_login(world, body)
    assert (again.status_code, _code(again)) == (400, "challenge_used")
    assert "token" not in again.json()
    # A new challenge works, and the key is registered once.
    login(world.server.base, name, device=device).close()
    assert _keys_of(server_db, name).count((device.device_id, device.public_key)) == 1


def test_forged_and_expired_challenges_are_refused(world: World) -> None:
    device, name = TestDevice(), world.usernames["ob"]
    fields = device.login_fields(world.server.base, name)
    forged_nonce = "A" * len(fields["challenge"])
    forged = {
        **fields,
        "challenge": forged_nonce,
        "device_proof": _proof(device, forged_nonce, name),
    }
    answer = _post_login(world, {"username": name, "password": PASSWORD, **forged})
    assert (answer.status_code, _code(answer)) == (400, "challenge_invalid")

    # A challenge this server issued, ten minutes ago (the server's own MAC key).
    server = world.server
    signing_key = keys.load_signing(
        keys.signing_key_path(key_file(None, server.db_url, server.folder))
    )
    old, expires = challenges.issue(
        challenges.mac_key(signing_key), dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    )
    assert expires < dt.datetime.now(dt.UTC)
    stale = {**fields, "challenge": old, "device_proof": _proof(device, old, name)}
    answer = _post_login(world, {"username": name, "password": PASSWORD, **stale})
    assert (answer.status_code, _code(answer)) == (400, "challenge_expired")


def test_a_key_belongs_to_the_user_who_registered_it_first(
    world: World, server_db: Database
) -> None:
    """Even with the private key (a profile that changed hands), another user's login
    cannot register it: one key, one user. The refused login gets no token."""
    shared = TestDevice()
    login(world.server.base, world.usernames["oa"], device=shared).close()
    name = world.usernames["ob"]
    body = {"username": name, "password": PASSWORD, **shared.login_fields(world.server.base, name)}
    taken = _post_login(world, body)
    assert (taken.status_code, _code(taken)) == (409, "device_key_taken")
    assert "token" not in taken.json()
    assert _keys_of(server_db, name) == [
        (d.device_id, d.public_key) for d in [world.officer_b.device] if d is not None
    ]
    with server_db.read() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.actor == name, AuditEvent.subject == shared.device_id
            )
        ).all()
    assert list(actions) == ["device.key_taken"]


def test_a_shared_pc_registers_one_key_per_user_under_one_device_id(
    world: World, server_db: Database
) -> None:
    """Several officers sign in on one commune PC: one device id, each their own key,
    and each one's reports count as theirs."""
    colleague = _second_officer_of_unit_a(world, server_db)
    first = TestDevice()
    second = TestDevice(first.device_id)
    apis: list[Api] = []
    try:
        for name, device in ((world.usernames["oa"], first), (colleague, second)):
            api = login(world.server.base, name, device=device)
            apis.append(api)
            assert _keys_of(server_db, name)[-1] == (first.device_id, device.public_key)
        for api, progress in zip(apis, (20, 30), strict=True):
            body = report_body(world.tasks_a[0], progress=progress)
            assert api.sync(reports=[body])["acks"][0]["status"] == "accepted"
    finally:
        for api in apis:
            api.close()


@pytest.mark.parametrize("missing", ["challenge", "device_proof"])
def test_a_proof_comes_whole(world: World, missing: str) -> None:
    device, name = TestDevice(), world.usernames["ob"]
    fields = device.login_fields(world.server.base, name)
    del fields[missing]
    answer = _post_login(world, {"username": name, "password": PASSWORD, **fields})
    assert (answer.status_code, _code(answer)) == (422, "validation_error")
