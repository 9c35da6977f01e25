"""Sync rounds queue for a few slots per server process (ServerConfig.concurrent_rounds),
and what one round asks of the database.

The server runs in this process (uvicorn on a thread, real HTTP on loopback) so the
test can watch its database: reads are slowed down so that rounds would overlap,
and the test counts how many rounds read at once.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest
import requests
import uvicorn
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import event
from sqlalchemy.orm import Session

from dxdesk import signing
from sync.local_server import free_port
from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, TaskIn
from sync.server import accounts, tasks
from sync.server.app import create_app
from sync.server.config import ServerConfig
from sync.server.db import Database, create, migrate
from sync.server.publisher import ProgressPublisher
from sync.server.words_index import WordsIndexer
from tests.server.conftest import PASSWORD, report_body
from tests.support.device import TestDevice

DEVICES = 6
JOBS = {ProgressPublisher.name, WordsIndexer.name}  # the server's own, not rounds
SLOW_READ_S = 0.15


class WatchedDatabase(Database):
    """The real database; reads made for requests take longer and are counted."""

    def __init__(self, url: str) -> None:
        engine = create(url)
        migrate(engine)
        super().__init__(engine)
        self._lock = threading.Lock()
        self.reading = 0
        self.most_reading = 0

    @contextmanager
    def read(self) -> Iterator[Session]:
        if threading.current_thread().name in JOBS or _token_check():
            with super().read() as session:
                yield session
            return
        with self._lock:
            self.reading += 1
            self.most_reading = max(self.most_reading, self.reading)
        try:
            time.sleep(SLOW_READ_S)
            with super().read() as session:
                yield session
        finally:
            with self._lock:
                self.reading -= 1


def _token_check() -> bool:
    """The body layer's token lookup, made before a body is read: not part of a round."""
    frame: FrameType | None = sys._getframe(1)
    for _ in range(6):
        if frame is None:
            return False
        code = frame.f_code
        if code.co_name == "_lookup" and code.co_filename.endswith("middleware.py"):
            return True
        frame = frame.f_back
    return False


def _seed(db: Database) -> list[tuple[str, str]]:
    """One commune per device: (username, task id)."""
    made = []
    with db.write() as session:
        accounts.add_unit(session, "Q", "Tỉnh Thử", None, "province")
        for n in range(DEVICES):
            unit = f"Q-{n}"
            accounts.add_unit(session, unit, f"Xã {n}", "Q", "commune")
            accounts.add_user(
                session, username=f"cb.q{n}", password=PASSWORD, role="officer", unit_code=unit
            )
            values = TaskIn(code=f"Q-{n}-1", title="Số hoá hồ sơ", unit_code=unit)
            task, _created = tasks.upsert(session, values, "test", replace=False)
            made.append((f"cb.q{n}", task.id))
    return made


@contextmanager
def _serving(db: Database, concurrent_rounds: int = 4) -> Iterator[str]:
    """The real app on a free loopback port, in this process; yields its API base."""
    config = ServerConfig(
        database_url=str(db.engine.url),
        server_key=X25519PrivateKey.generate(),
        signing_key=signing.generate(),
        concurrent_rounds=concurrent_rounds,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(config, db), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60  # generous: a busy machine starts it slowly
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)  # uvicorn says it is up only through this flag
        assert server.started
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        db.dispose()


def _login(base: str, username: str, device: TestDevice) -> str:
    fields = device.login_fields(base.removesuffix("/api/v1"), username)
    answer = requests.post(
        f"{base}/auth/login",
        json={"username": username, "password": PASSWORD, **fields},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def _sync(base: str, token: str, reports: list[dict[str, object]]) -> requests.Response:
    """One sync round from the first cursor, as a device sends it."""
    headers = {"Authorization": f"Bearer {token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    return requests.post(
        f"{base}/sync", json={"cursor": None, "reports": reports}, headers=headers, timeout=60
    )


def _rounds_at_once(tmp_path: Path, concurrent_rounds: int) -> int:
    db = WatchedDatabase(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    with _serving(db, concurrent_rounds) as base:
        devices = []
        for username, task_id in _seed(db):
            device = TestDevice()
            devices.append((_login(base, username, device), device, task_id))
        db.most_reading = 0  # logins do not count
        start = threading.Barrier(DEVICES)
        statuses: list[list[str]] = []

        def device_round(token: str, device: TestDevice, task_id: str) -> None:
            reports = [device.sign(report_body(task_id, progress=p)) for p in (30, 60)]
            start.wait()
            answer = _sync(base, token, reports)
            assert answer.status_code == 200, answer.text
            statuses.append([ack["status"] for ack in answer.json()["acks"]])

        threads = [threading.Thread(target=device_round, args=d) for d in devices]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert statuses == [["accepted", "accepted"]] * DEVICES
        return db.most_reading


@pytest.mark.slow
def test_rounds_beyond_the_slots_wait_their_turn_and_all_complete(tmp_path: Path) -> None:
    assert _rounds_at_once(tmp_path / "one", concurrent_rounds=1) == 1
    # The same load with more slots does overlap: the count above is not a given.
    assert _rounds_at_once(tmp_path / "three", concurrent_rounds=3) >= 2


def test_a_round_looks_its_token_up_once(tmp_path: Path) -> None:
    """The body layer authenticates before reading the body; the round uses that
    caller instead of asking the database again (a query per round, ~5 % of a busy
    server's CPU)."""
    db = Database(create(f"sqlite:///{tmp_path / 'server.sqlite3'}"))
    migrate(db.engine)
    lookups: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "FROM auth_token" in statement and "WHERE auth_token.token_hash" in statement:
            lookups.append(statement)

    with _serving(db) as base:
        username, task_id = _seed(db)[0]
        device = TestDevice()
        token = _login(base, username, device)
        event.listen(db.engine, "before_cursor_execute", count)
        for reports in ([device.sign(report_body(task_id, progress=40))], []):  # push, pull only
            lookups.clear()
            answer = _sync(base, token, reports)
            assert answer.status_code == 200, answer.text
            assert [a["status"] for a in answer.json()["acks"]] == ["accepted"] * len(reports)
            assert len(lookups) == 1, lookups
        # A token revoked before the round is still refused, by the body layer.
        bearer = {"Authorization": f"Bearer {token}"}
        requests.post(f"{base}/auth/logout", headers=bearer, timeout=30).raise_for_status()
        refused = _sync(base, token, [])
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "token_invalid"
