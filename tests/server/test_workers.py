"""``serve --workers N``: several server processes share the port and the database."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sync.server import accounts
from sync.server.db import open_database
from sync.server.tables import Report
from tests.server.conftest import Backend, ServerProcess, login, report_body, seed_task


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except FileNotFoundError:
        return False
    return "zombie" not in status


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii")
    return [int(part) for part in text.split()]


def test_two_workers_take_concurrent_rounds_and_stop_together(
    backend: Backend, tmp_path: Path
) -> None:
    url = backend.new_url()
    db = open_database(url)
    with db.write() as session:
        accounts.add_unit(session, "W", "Tỉnh W", None, "province")
        for n in range(4):
            accounts.add_unit(session, f"W-{n}", f"Xã {n}", "W", "commune")
            accounts.add_user(
                session, username=f"w.{n}", password="mat-khau-w", role="officer",
                unit_code=f"W-{n}",
            )  # fmt: skip
    task_ids = [seed_task(db, f"W-NV-{n}", f"W-{n}") for n in range(4)]
    server = ServerProcess(url, tmp_path / "home", "--workers", "2")
    try:
        assert server.process is not None
        workers = _children(server.process.pid)
        assert len(workers) >= 2, workers
        devices = [login(server.base, f"w.{n}", "mat-khau-w") for n in range(4)]
        sent: list[list[str]] = [[] for _ in devices]
        failures: list[str] = []

        def push(n: int) -> None:
            for _ in range(15):
                batch = [report_body(task_ids[n]) for _ in range(5)]
                answer = devices[n].sync(cursor=None, reports=batch)
                if [a["status"] for a in answer["acks"]] != ["accepted"] * 5:
                    failures.append(str(answer["acks"]))
                sent[n] += [r["id"] for r in batch]

        threads = [threading.Thread(target=push, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        with db.read() as session:
            stored = session.scalar(select(func.count()).select_from(Report))
        assert stored == sum(len(ids) for ids in sent) == 4 * 15 * 5
        for api in devices:
            api.close()
    finally:
        server.stop()
        db.dispose()
    # SIGTERM to the parent stops every worker (and multiprocessing's helper, which
    # leaves a moment after the parent).
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in workers if _alive(pid)] == []


def test_workers_must_be_at_least_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sync.server.cli import main

    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    assert main(["serve", "--db", url, "--home", str(tmp_path), "--workers", "0"]) == 1
    assert "--workers must be at least 1" in capsys.readouterr().err
