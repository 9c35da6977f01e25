"""A ``dxdesk-server`` child process on 127.0.0.1 with an embedded SQLite database.

Used by ``dxdesk demo`` and by the test suites: start it, wait until it answers
``/ping`` as our server, stop it cleanly.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol

from dxdesk.errors import DxdeskError
from sync.transport import Transport


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _dies_with(parent: int) -> Callable[[], None] | None:
    """For the child, before it runs the server: the kernel sends it SIGTERM when
    this process ends, however it ends (a native crash, SIGKILL), so a demo server
    is never left running alone. Linux only; elsewhere the normal stop() applies."""
    if sys.platform != "linux":
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not after the fork

    def arm() -> None:  # runs in the child between fork and exec: nothing fancy
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the line above
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


class ChildProcess(Protocol):
    """What LocalServer needs of its server process (a ``subprocess.Popen`` has it)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...


def server_command() -> str:
    """The ``dxdesk-server`` installed beside this Python."""
    return str(Path(sys.executable).with_name("dxdesk-server"))


class LocalServer:
    def __init__(
        self,
        folder: Path,
        *,
        db_url: str | None = None,
        serve_args: tuple[str, ...] = (),
        port: int | None = None,
        command: str | None = None,
    ) -> None:
        self.folder = folder
        # Another installation's server (the compatibility tests run the previous release's).
        self.command = command or server_command()
        self.db_url = db_url or f"sqlite:///{folder / 'server.sqlite3'}"
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.serve_args = serve_args
        self.process: ChildProcess | None = None

    @property
    def log_file(self) -> Path:
        return self.folder / "server.log"

    def load_demo(self, timeout_s: float = 120) -> None:
        self.run_command(["demo", "--db", self.db_url], timeout_s)

    # How the server command runs; the test suite starts its own differently.
    def run_command(self, args: list[str], timeout_s: float) -> None:
        subprocess.run([self.command, *args], check=True, capture_output=True, timeout=timeout_s)

    def start_process(self, args: list[str], log: BinaryIO) -> ChildProcess:
        return subprocess.Popen(
            [self.command, *args], stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=_dies_with(os.getpid()),  # noqa: PLW1509 (async-signal-safe calls)
        )  # fmt: skip

    def start(self, *, demo: bool = True, timeout_s: float = 60) -> LocalServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        if demo:
            self.load_demo(max(timeout_s, 120))  # idempotent: a second load updates
        args = ["serve", "--db", self.db_url, "--port", str(self.port), *self.serve_args]
        with self.log_file.open("ab") as log:  # the child keeps its own descriptor
            self.process = self.start_process(args, log)
        probe = Transport(self.url, connect_timeout_s=2, read_timeout_s=5)
        try:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise DxdeskError(f"the local server stopped; see {self.log_file}")
                if probe.ping():
                    return self
                time.sleep(0.1)
        finally:
            probe.close()
        self.stop()
        raise DxdeskError(f"the local server did not start within {timeout_s:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
