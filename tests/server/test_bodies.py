"""Request bodies against the real server process: judged from the headers before a
byte is read, never buffered for an unauthenticated caller, cut when they trickle,
and received a few large ones at a time."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from sync.protocol import MAX_BUNDLE_BYTES, MAX_REQUEST_BYTES, MIB
from sync.server import accounts
from sync.server.db import open_database
from tests.server.conftest import PASSWORD, ServerProcess

# An answer that needs no body arrives at once; without the fix the server waited
# for bytes that never came and this ran out.
ANSWER_WITHIN_S = 10.0
USER = "officer.bodies"


def _start(tmp: Path, *extra: str) -> ServerProcess:
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    db = open_database(url)
    with db.write() as session:
        accounts.add_unit(session, "BODY", "Xã Thử", None, "commune")
        accounts.add_user(
            session, username=USER, password=PASSWORD, role="officer", unit_code="BODY"
        )
    db.dispose()
    return ServerProcess(url, tmp / "home", *extra)


def _token(server: ServerProcess) -> str:
    response = requests.post(
        f"{server.base}/api/v1/auth/login",
        json={"username": USER, "password": PASSWORD},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = _start(tmp_path_factory.mktemp("bodies"))
    yield proc
    proc.stop()


def _connect(server: ServerProcess, timeout: float = ANSWER_WITHIN_S) -> socket.socket:
    parts = urlsplit(server.base)
    assert parts.hostname is not None and parts.port is not None
    return socket.create_connection((parts.hostname, parts.port), timeout=timeout)


def _head(method: str, path: str, length: int, token: str | None = None) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/octet-stream",
        f"Content-Length: {length}",
    ]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], dict[str, str]]:
    """Status, headers and the error object of the server's answer."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = json.loads(response.read())
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body["error"]


def _rss_kib(pid: int) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def test_bodies_are_refused_from_the_headers_without_reading_them(plain: ServerProcess) -> None:
    token = _token(plain)
    sha = "0" * 64
    cases = [
        ("POST", "/api/v1/sync", MAX_REQUEST_BYTES, None, 401, "auth_required"),
        ("POST", "/api/v1/bundles", MAX_BUNDLE_BYTES, None, 401, "auth_required"),
        ("POST", "/api/v1/bundles", MAX_BUNDLE_BYTES, "not-a-token", 401, "token_invalid"),
        ("PUT", f"/api/v1/blobs/{sha}?offset=0", MIB, None, 401, "auth_required"),
        ("POST", "/api/v1/bundles", MAX_BUNDLE_BYTES + 1, token, 413, "bundle_too_large"),
        ("POST", "/api/v1/sync", MAX_REQUEST_BYTES + 1, token, 413, "body_too_large"),
        ("PUT", f"/api/v1/blobs/{sha}?offset=0", MIB + 1, token, 413, "chunk_too_large"),
        # Read before anyone is signed in, so a login's body is kept small.
        ("POST", "/api/v1/auth/login", MIB, None, 413, "body_too_large"),
        # Outside the API, nothing takes a body from anyone: the same small cap.
        ("POST", "/elsewhere", MAX_REQUEST_BYTES, None, 413, "body_too_large"),
    ]
    for method, path, length, bearer, status, code in cases:
        with _connect(plain) as sock:
            sock.sendall(_head(method, path, length, bearer))  # and not one byte of body
            got, headers, error = _answer(sock)
        assert (got, error["code"]) == (status, code), (method, path, length, error)
        # The body is not read after the answer either: the connection is closed.
        assert headers.get("connection") == "close"


def test_console_forms_take_a_larger_body_only_with_a_live_session(plain: ServerProcess) -> None:
    """The console's browser sends its session cookie, not a bearer header: with a
    live one a form or a task sheet may be large; without, the anonymous 64 KiB cap."""
    token = _token(plain)
    sheet = b"ma,ten\r\n" + b"x" * (2 * MIB)
    files = {"sheet": ("nhiem-vu.csv", sheet, "text/csv")}
    url = f"{plain.base}/console/tasks/import"
    anonymous = requests.post(url, files=files, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 413, anonymous.text
    # the console's page (tests/server/test_console_errors.py), with the cap that applied
    assert anonymous.headers["content-type"].startswith("text/html")
    assert "tối đa 64 KiB" in anonymous.text
    stale = requests.post(
        url, files=files, cookies={"dx_console": "not-a-token"}, allow_redirects=False, timeout=30
    )
    assert stale.status_code == 413, stale.text
    # Read in full and handed to the console, which judges the account (an officer's
    # session is refused there, not by the body's size).
    signed_in = requests.post(
        url, files=files, cookies={"dx_console": token}, allow_redirects=False, timeout=30
    )
    assert signed_in.status_code != 413, signed_in.text
    with _connect(plain) as sock:
        sock.sendall(_head("POST", "/console/tasks/import", 8 * MIB + 1))
        response = http.client.HTTPResponse(sock)
        response.begin()
        page = response.read().decode()
    assert response.status == 413 and 'data-status="413"' in page
    assert response.getheader("connection") == "close"


def _flood(server: ServerProcess, path: str, length: int, sent: list[int]) -> None:
    """Post ``length`` junk bytes without a token, as fast as the server takes them."""
    piece = b"x" * MIB
    total = 0
    try:
        with _connect(server, timeout=30) as sock:
            sock.sendall(_head("POST", path, length))
            while total < length:
                sock.sendall(piece[: length - total])
                total += min(len(piece), length - total)
    except OSError:  # answered and closed while we were still sending
        pass
    sent.append(total)


def test_concurrent_big_unauthenticated_posts_keep_memory_flat(plain: ServerProcess) -> None:
    assert plain.process is not None
    pid = plain.process.pid
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
    before = _rss_kib(pid)
    sent: list[int] = []
    floods = [
        threading.Thread(target=_flood, args=(plain, path, length, sent))
        for path, length in [("/api/v1/bundles", MAX_BUNDLE_BYTES)] * 6
        + [("/api/v1/sync", MAX_REQUEST_BYTES)] * 6
    ]
    for flood in floods:
        flood.start()
    for flood in floods:
        flood.join(timeout=120)
    after = _rss_kib(pid)
    # Without the fix every body was buffered: 6 x 64 + 6 x 8 MiB more at the peak.
    assert after["VmHWM"] - before["VmHWM"] < 32 * 1024, (before, after, sent)
    assert requests.get(f"{plain.base}/api/v1/ping", timeout=10).status_code == 200


def test_large_uploads_are_received_a_few_at_a_time(plain: ServerProcess) -> None:
    token = _token(plain)
    head = _head("POST", "/api/v1/bundles", 10 * MIB, token)
    holders = [_connect(plain) for _ in range(2)]  # ServerConfig.concurrent_large_bodies
    try:
        for sock in holders:
            sock.sendall(head + b"x" * 1024)
        time.sleep(1.0)  # lets the server take both slots (no deadline is waited out)
        with _connect(plain) as sock:
            sock.sendall(head)
            status, headers, error = _answer(sock)
        assert (status, error["code"]) == (503, "server_busy")
        assert int(headers["retry-after"]) > 0
        # Small on the wire, large once inflated: it needs a slot too.
        padded = b'{"reports": [], "cursor": null' + b" " * 2 * MIB + b"}"
        bomb = requests.post(
            f"{plain.base}/api/v1/sync",
            data=gzip.compress(padded),
            headers={"Authorization": f"Bearer {token}", "Content-Encoding": "gzip",
                     "Content-Type": "application/json"},
            timeout=ANSWER_WITHIN_S,
        )  # fmt: skip
        assert bomb.status_code == 503, bomb.text
        assert bomb.json()["error"]["code"] == "server_busy"
    finally:
        for sock in holders:
            sock.close()
    # The slots are free again once those clients went away: a whole body is read.
    for _attempt in range(50):
        with _connect(plain) as sock:
            sock.sendall(_head("POST", "/api/v1/bundles", 2 * MIB, token) + b"x" * 2 * MIB)
            status, _headers, error = _answer(sock)
        if status != 503:
            break
        time.sleep(0.1)
    assert status == 422 and error["code"].startswith("bundle_"), error


def test_a_body_that_trickles_in_is_cut(tmp_path: Path) -> None:
    server = _start(tmp_path, "--body-timeout", "1")
    try:
        token = _token(server)
        started = time.monotonic()
        with _connect(server) as sock:
            sock.sendall(_head("POST", "/api/v1/sync", 1000, token) + b'{"reports": [')
            status, headers, error = _answer(sock)
        assert (status, error["code"]) == (408, "body_timeout")
        assert headers.get("connection") == "close"
        assert time.monotonic() - started < ANSWER_WITHIN_S
    finally:
        server.stop()
