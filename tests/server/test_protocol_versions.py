"""Versions that coexist: the server serves the current protocol and the one before,
every answer names its version, unknown fields are ignored both ways, and a client
too old (or too new) is told so in its own language."""

from __future__ import annotations

import pytest
import requests

from sync import protocol
from sync.failure_messages import error_message, failure_message
from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, LoginOut
from sync.transport import Failure, Transport, TransportError
from tests.server.conftest import PASSWORD, ServerProcess, World
from tests.support.device import TestDevice


def _post_sync(server: ServerProcess, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{server.base}/api/v1/sync", headers=headers, timeout=10)


def test_current_and_previous_versions_are_served_and_named_in_every_answer(
    server: ServerProcess, world: World
) -> None:
    assert protocol.SUPPORTED_PROTOCOLS == (PROTOCOL_VERSION - 1, PROTOCOL_VERSION)
    for version in protocol.SUPPORTED_PROTOCOLS:
        headers = {PROTOCOL_HEADER: str(version)}
        ping = requests.get(f"{server.base}/api/v1/ping", headers=headers, timeout=10)
        assert ping.status_code == 200
        assert ping.headers[PROTOCOL_HEADER] == str(version)
        synced = world.officer_a.http.post(
            world.officer_a.url("/sync"), json={}, headers=headers, timeout=30
        )
        assert synced.status_code == 200, synced.text
        assert synced.headers[PROTOCOL_HEADER] == str(version)
    # An error answer names it too, and a request without the header is the current one.
    missing = requests.get(f"{server.base}/api/v1/no-such-thing", timeout=10)
    assert missing.status_code == 404
    assert missing.headers[PROTOCOL_HEADER] == str(PROTOCOL_VERSION)


@pytest.mark.parametrize("version", ["0", "banana"])
def test_a_too_old_client_is_told_in_its_language(server: ServerProcess, version: str) -> None:
    english = _post_sync(server, {PROTOCOL_HEADER: version})
    assert english.status_code == 426
    assert english.headers[PROTOCOL_HEADER] == str(PROTOCOL_VERSION)
    assert english.json()["error"]["code"] == "protocol_outdated"
    assert "Update dxdesk" in english.json()["error"]["message"]
    vietnamese = _post_sync(server, {PROTOCOL_HEADER: version, "Accept-Language": "vi-VN, en"})
    assert vietnamese.json()["error"]["code"] == "protocol_outdated"
    assert "Hãy cập nhật dxdesk" in vietnamese.json()["error"]["message"]


def test_a_newer_client_is_told_which_version_to_step_down_to(server: ServerProcess) -> None:
    answer = _post_sync(server, {PROTOCOL_HEADER: str(PROTOCOL_VERSION + 1)})
    assert answer.status_code == 426
    assert answer.json()["error"]["code"] == "protocol_too_new"
    assert answer.headers[PROTOCOL_HEADER] == str(PROTOCOL_VERSION)


def test_the_client_steps_down_to_an_older_servers_version(server: ServerProcess) -> None:
    # A client one version ahead of this server, as the current one is ahead of v0.1.0.
    transport = Transport(server.base)
    transport.protocol_version = PROTOCOL_VERSION + 1
    transport.session.headers[PROTOCOL_HEADER] = str(PROTOCOL_VERSION + 1)
    try:
        assert transport.ping()
        assert transport.protocol_version == PROTOCOL_VERSION
        assert transport.session.headers[PROTOCOL_HEADER] == str(PROTOCOL_VERSION)
    finally:
        transport.close()


def test_a_client_the_server_cannot_serve_says_who_must_update(server: ServerProcess) -> None:
    transport = Transport(server.base, language="vi")
    transport.protocol_version = 0
    transport.session.headers[PROTOCOL_HEADER] = "0"
    try:
        with pytest.raises(TransportError) as refused:
            transport.call("GET", "/ping", protocol.PingOut, auth=False)
    finally:
        transport.close()
    assert refused.value.failure is Failure.OUTDATED
    assert error_message(refused.value).code == "client_outdated"
    # A server older than every version the client speaks is the one to update.
    older_server = failure_message(Failure.SERVER_OUTDATED)
    assert "cập nhật máy chủ" in older_server.text("vi")
    assert "update it" in older_server.text("en")


def test_unknown_fields_are_ignored_known_ones_still_checked(
    server: ServerProcess, world: World
) -> None:
    device = TestDevice()
    username = world.usernames["oa"]
    login = {
        "username": username,
        "password": PASSWORD,
        **device.login_fields(server.base, username),
    }
    answer = requests.post(
        f"{server.base}/api/v1/auth/login", json={**login, "from_the_future": 1}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    # The client reads an answer with fields it has never heard of (a newer server's).
    parsed = LoginOut.model_validate({**answer.json(), "surprise": {"x": 1}})
    assert parsed.user.username == username
    synced = world.officer_a.post("/sync", {"limit": 5, "hint": "new"})
    assert synced.status_code == 200, synced.text
    strict = world.officer_a.post("/sync", {"limit": "5", "hint": "new"})
    assert strict.status_code == 422
    assert strict.json()["error"]["field"] == "limit"
