"""Fixtures for the server suite: real ``dxdesk-server serve`` processes on loopback,
on SQLite and on a throwaway PostgreSQL cluster started here (the distribution's:
15 on Debian 12, 16 on Ubuntu 24.04)."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from dxdesk.canonical import content_hash
from sync.local_server import free_port
from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, TaskIn
from sync.server import accounts, tasks
from sync.server.db import Database, open_database
from tests.support.device import TestDevice
from tests.support.postgres import pg_bin
from tests.support.server import START_TIMEOUT_S, ZygoteServer
from tests.support.zygote import ZYGOTES

PASSWORD = "mat-khau-thu-nghiem"
_counter = itertools.count()


# ---------------------------------------------------------------- PostgreSQL


def _install_postgresql() -> str | None:
    """apt-get install, as CI (root, with apt) can; None on success, else the reason."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "initdb not found and not root with apt-get to install postgresql"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-q"],
        # The distribution's own version (Debian 12: 15; Ubuntu 24.04: 16).
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"],
    ):
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"{' '.join(argv)} failed: {done.stderr.strip()[-500:]}"
    return None


@dataclass
class PgCluster:
    port: int
    socket_dir: Path
    _names: Iterator[int]

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://dxdesk@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        name = f"dx_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="dxdesk", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # name built above, not user input
        return self.url(name)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    bin_dir = pg_bin()
    if bin_dir is None:
        reason = _install_postgresql()
        bin_dir = pg_bin()
        if bin_dir is None:
            pytest.skip(f"PostgreSQL unavailable: {reason}")
    root = Path(tempfile.mkdtemp(prefix="dxdesk-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        import pwd

        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        # sbin may be missing from PATH (cron-like CI environments).
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        prefix = [runuser, "-u", "postgres", "--"]
    data, log = root / "data", root / "server.log"
    port = free_port()
    subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "dxdesk", "-A", "trust",
         "-E", "UTF8", "--locale=C", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=400"
    )
    subprocess.run(
        [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
         "-o", options, "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield PgCluster(port, root, itertools.count())
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- databases


@dataclass
class Backend:
    name: str
    tmp: Path
    pg: PgCluster | None

    def new_url(self) -> str:
        if self.pg is not None:
            return self.pg.new_database()
        folder = self.tmp / f"db{next(_counter)}"
        folder.mkdir(parents=True)
        return f"sqlite:///{folder / 'server.sqlite3'}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    pg = request.getfixturevalue("pg_cluster") if request.param == "postgresql" else None
    return Backend(request.param, tmp_path_factory.mktemp(request.param), pg)


# ---------------------------------------------------------------- server process


class ServerProcess(ZygoteServer):
    """``dxdesk-server serve`` on a free port; stopped with SIGTERM like a service."""

    def __init__(self, url: str, home: Path, *extra: str) -> None:
        args = ("--home", str(home), "--log-level", "warning", *extra)
        super().__init__(home, db_url=url, serve_args=args)
        self.base = self.url
        self.start(demo=False, timeout_s=START_TIMEOUT_S)

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="session")
def server(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(backend.new_url(), tmp_path_factory.mktemp(f"home-{backend.name}"))
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def server_db(server: ServerProcess) -> Iterator[Database]:
    """The server's database, opened by the test process for seeding (as the CLI does)."""
    db = open_database(server.db_url)
    yield db
    db.dispose()


# ---------------------------------------------------------------- clients and data


class Api:
    """A device or browser talking to the server, with the protocol header.

    With a ``device`` (registered at login), :meth:`sync` signs every report that
    carries no signature yet, as dxdesk's engine does."""

    def __init__(
        self, base: str, token: str | None = None, device: TestDevice | None = None
    ) -> None:
        self.base = base
        self.token = token
        self.device = device
        self.server_public_key: str | None = None  # from the login answer
        self.http = requests.Session()
        self.http.headers[PROTOCOL_HEADER] = str(PROTOCOL_VERSION)
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def url(self, path: str) -> str:
        return f"{self.base}/api/v1{path}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url(path), timeout=30, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url(path), json=body, timeout=60, **kwargs)

    def put(self, path: str, data: bytes, **kwargs: Any) -> requests.Response:
        headers = {"Content-Type": "application/octet-stream", **kwargs.pop("headers", {})}
        return self.http.put(self.url(path), data=data, headers=headers, timeout=30, **kwargs)

    def patch(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.http.patch(self.url(path), json=body, timeout=30, **kwargs)

    def sync(self, **body: Any) -> dict[str, Any]:
        if self.device is not None and "reports" in body:
            body["reports"] = [
                r if "signature" in r else self.device.sign(r) for r in body["reports"]
            ]
        response = self.post("/sync", body)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def close(self) -> None:
        self.http.close()


def login(
    base: str, username: str, password: str = PASSWORD, device: TestDevice | None = None
) -> Api:
    """Log in as a device: its key is registered for this user (a new device unless
    one is given)."""
    device = device or TestDevice()
    response = requests.post(
        f"{base}/api/v1/auth/login",
        json={"username": username, "password": password, **device.login_fields(base, username)},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    api = Api(base, response.json()["token"], device)
    api.server_public_key = response.json()["server_public_key"]
    return api


def report_body(task_id: str, **overrides: Any) -> dict[str, Any]:
    """A report exactly as the client's canonical_body() builds it, with its hash."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "task_id": task_id,
        "progress": 40,
        "status_claim": "in_progress",
        "results": "Đã số hoá 480/1.200 hồ sơ",
        "difficulties": "Mất điện 3 ngày",
        "proposals": "",
        "indicator_values": {"HS": 480},
        "classification": "normal",
        "corrects_id": None,
        "author": "Nguyễn Văn An",
        "created_at": "2026-11-20T08:30:00.123456+00:00",
        "attachments": [],
    }
    body.update(overrides)
    body.pop("content_sha256", None)
    body["content_sha256"] = content_hash(body)
    return body


@dataclass
class World:
    """A province P with communes A and B, one user per role, tasks for A and B."""

    server: ServerProcess
    prefix: str
    province: str
    unit_a: str
    unit_b: str
    officer_a: Api
    officer_b: Api
    reviewer: Api
    admin: Api
    tasks_a: list[str]
    tasks_b: list[str]
    usernames: dict[str, str]

    def close(self) -> None:
        for api in (self.officer_a, self.officer_b, self.reviewer, self.admin):
            api.close()


def seed_task(db: Database, code: str, unit: str, **extra: Any) -> str:
    with db.write() as session:
        values = TaskIn(code=code, title=f"Nhiệm vụ {code}", unit_code=unit, **extra)
        task, _created = tasks.upsert(session, values, "test", replace=False)
        return task.id


@pytest.fixture
def world(server: ServerProcess, server_db: Database) -> Iterator[World]:
    prefix = uuid.uuid4().hex[:6].upper()
    province, unit_a, unit_b = f"P{prefix}", f"P{prefix}-A", f"P{prefix}-B"
    names = {role: f"{role}.{prefix.lower()}" for role in ("oa", "ob", "rv", "ad")}
    with server_db.write() as session:
        accounts.add_unit(session, province, "Tỉnh Thử", None, "province")
        accounts.add_unit(session, unit_a, "Xã A", province, "commune")
        accounts.add_unit(session, unit_b, "Xã B", province, "commune")
        for key, role, unit in (
            ("oa", "officer", unit_a),
            ("ob", "officer", unit_b),
            ("rv", "reviewer", province),
            ("ad", "admin", province),
        ):
            accounts.add_user(
                session, username=names[key], password=PASSWORD, role=role, unit_code=unit
            )
    tasks_a = [seed_task(server_db, f"{prefix}-A{i}", unit_a) for i in range(2)]
    tasks_b = [seed_task(server_db, f"{prefix}-B0", unit_b)]
    made = World(
        server,
        prefix,
        province,
        unit_a,
        unit_b,
        login(server.base, names["oa"]),
        login(server.base, names["ob"]),
        login(server.base, names["rv"]),
        login(server.base, names["ad"]),
        tasks_a,
        tasks_b,
        names,
    )
    yield made
    made.close()


@pytest.fixture
def anon(server: ServerProcess) -> Iterator[Api]:
    api = Api(server.base)
    yield api
    api.close()


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """A ``dxdesk-server`` command in its own process (started by a zygote)."""
    return ZYGOTES.run("dxdesk-server", args, stdin=stdin, timeout=120)
