"""A real ``dxdesk-server`` process on 127.0.0.1, for client-side integration tests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

SERVER = Path(sys.executable).with_name("dxdesk-server")
DEMO_PASSWORD = "canbo-demo-2026"  # printed by `dxdesk-server demo`
REVIEWER = ("ld.qn", "lanhdao-demo-2026")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RunningServer:
    def __init__(self, folder: Path, *, token_ttl_s: float | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.db_url = f"sqlite:///{folder / 'server.sqlite3'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token_ttl_s = token_ttl_s
        self.process: subprocess.Popen[bytes] | None = None

    def admin(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SERVER), *args, "--db", self.db_url],
            capture_output=True,
            text=True,
            input=stdin,
            timeout=120,
            check=True,
        )

    def start(self) -> RunningServer:
        self.admin("demo")
        argv = [str(SERVER), "serve", "--db", self.db_url, "--port", str(self.port)]
        if self.token_ttl_s is not None:
            argv += ["--token-ttl", str(self.token_ttl_s)]
        with (self.folder / "server.log").open("ab") as log:  # the child keeps its own fd
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {(self.folder / 'server.log').read_text()}")
            try:
                if requests.get(self.url + "/api/v1/ping", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("server did not start within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def reports(self) -> list[dict[str, Any]]:
        out = self.admin("reports", "--json", "--limit", "100000").stdout
        data = json.loads(out)
        rows: list[dict[str, Any]] = data["reports"] if isinstance(data, dict) else data
        return rows

    def api(self, method: str, path: str, user: tuple[str, str], body: Any = None) -> Any:
        login = requests.post(
            self.url + "/api/v1/auth/login",
            json={"username": user[0], "password": user[1]},
            timeout=10,
        )
        login.raise_for_status()
        token = login.json()["token"]
        response = requests.request(
            method,
            self.url + "/api/v1" + path,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()
