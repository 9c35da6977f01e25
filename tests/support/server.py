"""A real ``dxdesk-server`` process on 127.0.0.1, for client-side integration tests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, BinaryIO

import requests

from sync.local_server import ChildProcess, LocalServer, server_command
from tests.support.zygote import NO_ZYGOTE_ENV, ZYGOTES

SERVER = Path(server_command())
DEMO_PASSWORD = "canbo-demo-2026"  # printed by `dxdesk-server demo`
REVIEWER = ("ld.qn", "lanhdao-demo-2026")
# How long a test waits for a server process to answer. Generous: on a loaded 2-core
# machine a start has taken over 120 s; a server that dies is noticed at once anyway.
# Within the suite's 300 s per test (pyproject), so a start that hangs fails as "did
# not start", not as a test killed from outside.
START_TIMEOUT_S = 240.0


class ZygoteServer(LocalServer):
    """A LocalServer whose commands (``demo``, ``serve``) the zygote starts: still a
    real process each (its own pid, port, signals, exit code and log), without ~2 s of
    imports each. Another installation's server (``command``) runs its own script."""

    def _own(self) -> bool:
        return self.command == server_command()

    def run_command(self, args: list[str], timeout_s: float) -> None:
        if not self._own():
            return super().run_command(args, timeout_s)
        ZYGOTES.run("dxdesk-server", args, timeout=timeout_s).check_returncode()
        return None

    def start_process(self, args: list[str], log: BinaryIO) -> ChildProcess:
        if not self._own() or os.environ.get(NO_ZYGOTE_ENV):
            return super().start_process(args, log)  # with its die-with-the-tests guard
        return ZYGOTES.start("dxdesk-server", args, stdout=log.fileno(), stderr=subprocess.STDOUT)


class RunningServer(ZygoteServer):
    """The real server with the demo province loaded, plus what tests ask of it."""

    def __init__(
        self, folder: Path, *, token_ttl_s: float | None = None, command: str | None = None
    ) -> None:
        ttl = ("--token-ttl", str(token_ttl_s)) if token_ttl_s is not None else ()
        super().__init__(folder, serve_args=ttl, command=command)

    def start(self, *, demo: bool = True, timeout_s: float = START_TIMEOUT_S) -> RunningServer:
        super().start(demo=demo, timeout_s=timeout_s)
        return self

    def admin(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = ZYGOTES.run("dxdesk-server", [*args, "--db", self.db_url], stdin=stdin, timeout=120)
        done.check_returncode()
        return done

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
