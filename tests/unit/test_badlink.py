"""The test suite's bad-link proxy must itself behave, or sync tests prove nothing."""

from __future__ import annotations

import os
import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from tests.support.badlink import BadLink, LinkProfile


class Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def exchange(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_bytes_pass_intact_both_ways(echo_port: int) -> None:
    payload = os.urandom(200_000)
    with BadLink(echo_port, LinkProfile(latency_s=0.01)) as link:
        assert exchange(link.port, payload) == payload
        assert link.stats.bytes_up == link.stats.bytes_down == len(payload)


def test_latency_and_bandwidth_slow_the_exchange(echo_port: int) -> None:
    # Lower bounds only: a proxy that sleeps at least this long cannot be faster.
    payload = os.urandom(10_000)
    profile = LinkProfile(latency_s=0.1, up_bps=400_000, down_bps=400_000)
    with BadLink(echo_port, profile) as link:
        started = time.monotonic()
        assert exchange(link.port, payload) == payload
        elapsed = time.monotonic() - started
    # Full duplex: the echo streams back while the upload is still going.
    minimum = 2 * profile.latency_s + len(payload) * 8 / 400_000
    assert elapsed >= minimum * 0.95


def test_cut_after_n_bytes(echo_port: int) -> None:
    with BadLink(echo_port, LinkProfile(cut_after_bytes=5000)) as link:
        with pytest.raises((ConnectionError, OSError)):
            got = exchange(link.port, os.urandom(50_000))
            # A reset may also surface as a short read instead of an exception.
            assert len(got) < 50_000
            raise ConnectionResetError
        assert link.stats.cuts >= 1
        assert link.stats.bytes_up <= 5000


def test_offline_refuses_and_recovers(echo_port: int) -> None:
    with BadLink(echo_port, LinkProfile(offline=True)) as link:
        with pytest.raises((ConnectionError, OSError)):
            got = exchange(link.port, b"hello")
            assert got == b""
            raise ConnectionResetError
        assert link.stats.refused == 1
        link.update(offline=False)
        assert exchange(link.port, b"hello") == b"hello"
