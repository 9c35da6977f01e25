"""Small HTTP servers that are *not* our server: captive portals, broken proxies."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTAL_PAGE = (
    "<html><head><title>Đăng nhập Wi-Fi</title></head><body>"
    "<form>Vui lòng nhập mã để dùng Internet miễn phí</form></body></html>"
).encode()


@dataclass
class Stub:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]
    hits: int = 0
    port: int = 0
    date: str | None = None  # the Date header to send instead of the real time


@contextmanager
def stub_server(
    status: int = 200,
    body: bytes = PORTAL_PAGE,
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
    date: str | None = None,
) -> Iterator[Stub]:
    stub = Stub(status, body, content_type, headers or {}, date=date)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            stub.hits += 1
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(stub.status)
            self.send_header("Content-Type", stub.content_type)
            self.send_header("Content-Length", str(len(stub.body)))
            for key, value in stub.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(stub.body)

        do_GET = do_POST = do_PUT = _answer  # noqa: N815

        def date_time_string(self, timestamp: float | None = None) -> str:
            return stub.date or super().date_time_string(timestamp)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers: a link that died mid-request."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()
