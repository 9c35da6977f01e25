"""What field staff meet: captive portals, broken proxies, dead links, bad TLS,
expired logins. Each must be reported as what it is, and nothing marked sent."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from dxdesk.clock import utcnow
from sync.cli import EXIT_CAPTIVE, EXIT_LOGIN, EXIT_OFFLINE, EXIT_TLS
from sync.server.db import open_database
from sync.server.tables import Token, User
from tests.support.badlink import EDGE, BadLink, LinkProfile
from tests.support.server import RunningServer
from tests.support.stub_http import PORTAL_PAGE, silent_server, stub_server
from tests.sync.conftest import Client


@pytest.fixture
def link(server: RunningServer) -> Iterator[BadLink]:
    with BadLink(server.port, LinkProfile()) as proxy:
        yield proxy


def queue_reports(client: Client, count: int) -> list[str]:
    return client.queue(count)


def states(client: Client) -> set[str]:
    return set(client.states().values())


def logged_in(client: Client, link: BadLink, user: str) -> None:
    assert client.login(link.url, user).code == 0
    assert client("sync").code == 0


@pytest.mark.parametrize(
    ("status", "body", "content_type", "headers"),
    [
        (200, None, "text/html; charset=utf-8", {}),  # the classic portal page
        (302, b"", "text/html", {"Location": "http://portal.wifi-cafe.vn/login"}),
        (200, b'{"welcome": "free wifi"}', "application/json", {}),  # JSON, not ours
        (200, b"{not json", "application/json", {}),
    ],
)
def test_captive_portal_is_named_and_nothing_is_marked_sent(
    client: Client,
    link: BadLink,
    status: int,
    body: bytes | None,
    content_type: str,
    headers: dict[str, str],
) -> None:
    logged_in(client, link, "cb.binhlieu")
    queue_reports(client, 2)
    page = PORTAL_PAGE if body is None else body
    with stub_server(status, page, content_type, headers) as portal:
        link.retarget(portal.port)
        result = client("sync", "--json")
        assert result.code == EXIT_CAPTIVE
        summary = result.json()
        assert summary["failure"] == "captive_portal"
        assert "sign-in" in result.err
        assert summary["accepted"] == 0
        assert states(client) == {"queued"}
        login = client.login(link.url, "cb.binhlieu")
        assert login.code == EXIT_CAPTIVE
    link.retarget(None)
    assert client("sync").code == 0
    assert states(client) == {"accepted"}


@pytest.mark.parametrize(
    ("status", "content_type"),
    [(500, "application/json"), (502, "text/html"), (503, "text/html")],
)
def test_server_errors_are_retried_then_reported_offline(
    client: Client, link: BadLink, status: int, content_type: str
) -> None:
    logged_in(client, link, "cb.hoanhmo")
    queue_reports(client, 1)
    body = b'{"error": {"code": "internal", "message": "boom"}}'
    if content_type == "text/html":
        body = b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
    with stub_server(status, body=body, content_type=content_type) as broken:
        link.retarget(broken.port)
        result = client("sync", "--json")
        assert result.code == EXIT_OFFLINE
        assert result.json()["failure"] == "server"
        assert broken.hits == 4  # the first try and three retries with backoff
    assert states(client) == {"queued"}


def test_a_body_cut_for_arriving_too_slowly_is_retried_as_offline(
    client: Client, link: BadLink
) -> None:
    logged_in(client, link, "cb.hoanhmo")
    queue_reports(client, 1)
    body = b'{"error": {"code": "body_timeout", "message": "too slow"}}'
    with stub_server(408, body=body, content_type="application/json") as cutting:
        link.retarget(cutting.port)
        result = client("sync", "--json")
        assert result.code == EXIT_OFFLINE
        assert result.json()["failure"] == "offline"
        assert cutting.hits == 4  # retried like a dropped connection, not a refusal
    assert states(client) == {"queued"}


def test_a_link_that_stops_answering_times_out(client: Client, link: BadLink) -> None:
    logged_in(client, link, "cb.coto")
    queue_reports(client, 1)
    client.settings(read_timeout_s=1, connect_timeout_s=1)
    with silent_server() as port:
        link.retarget(port)
        started = time.monotonic()
        result = client("sync", "--json")
        elapsed = time.monotonic() - started
    assert result.code == EXIT_OFFLINE
    assert result.json()["failure"] == "offline"
    assert elapsed < 60  # bounded: four attempts with 1 s timeouts and short backoff
    assert states(client) == {"queued"}


def test_no_network_at_all(client: Client, link: BadLink) -> None:
    logged_in(client, link, "cb.bache")
    queue_reports(client, 3)
    link.update(offline=True)
    link.cut_all()
    result = client("sync", "--json")
    assert result.code == EXIT_OFFLINE
    assert result.json()["still_queued"] == 3
    link.update(offline=False)
    assert client("sync").code == 0
    assert states(client) == {"accepted"}


def test_login_and_sync_through_an_edge_like_link(server: RunningServer, client: Client) -> None:
    with BadLink(server.port, EDGE) as edge:
        logged_in(client, edge, "cb.halong")
        queue_reports(client, 20)
        result = client("sync", "--json")
        assert result.code == 0, result.err
        assert result.json()["accepted"] == 20
        assert result.json()["rounds"] == 1  # 20 reports, one round trip
    assert states(client) == {"accepted"}


# -- TLS -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=dxdesk test CA",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_self_signed_certificate_refused_then_trusted_when_provisioned(
    server: RunningServer, client: Client, certificate: tuple[Path, Path]
) -> None:
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with BadLink(server.port, LinkProfile(), tls=context) as https:
        refused = client.login(https.url, "cb.bache")
        assert refused.code == EXIT_TLS
        assert "certificate" in refused.err
        client.settings(ca_bundle=str(cert))
        trusted = client.login(https.url, "cb.bache")
        assert trusted.code == 0, trusted.err
        assert client("sync").code == 0


def _expire_tokens(server: RunningServer, username: str) -> None:
    """What the passing of the token's lifetime does, without racing a real clock
    (a short real lifetime ran out during the logins on a busy machine)."""
    db = open_database(server.db_url)
    try:
        with db.write() as session:
            user_id = session.scalar(select(User.id).where(User.username == username))
            assert user_id is not None
            session.execute(
                update(Token)
                .where(Token.user_id == user_id)
                .values(expires_at=utcnow() - dt.timedelta(seconds=1))
            )
    finally:
        db.dispose()


def test_expired_token_asks_for_login_and_keeps_reports(tmp_path: Path, client: Client) -> None:
    server = RunningServer(tmp_path / "expiring").start()
    try:
        assert client.login(server.url, "cb.bache").code == 0
        assert client("sync").code == 0
        queue_reports(client, 2)
        _expire_tokens(server, "cb.bache")
        result = client("sync", "--json")
        assert result.code == EXIT_LOGIN
        assert json.loads(result.out)["failure"] == "auth"
        assert states(client) == {"queued"}
        assert client.login(server.url, "cb.bache").code == 0
        assert client("sync").code == 0
        assert states(client) == {"accepted"}
    finally:
        server.stop()
