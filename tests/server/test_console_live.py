"""The live change token: however many pages poll it, the database is asked at most
once a second per process; a new report or review moves it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from sync.server.console.live import MIN_INTERVAL_S, ChangeToken
from sync.server.db import open_database
from sync.server.tables import Report, Task, Unit, User, table_of


def test_polls_share_one_query_per_interval_and_see_new_reports(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append(sql)

    event.listen(db.engine, "before_cursor_execute", count)
    now = [100.0]
    token = ChangeToken(db, clock=lambda: now[0])
    try:
        first = token.current()
        for _ in range(200):  # 200 open pages polling in the same second
            assert token.current() == first
        assert len(statements) == 2  # newest arrival, newest review: once

        at = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
        with db.write() as session:
            session.execute(
                insert(table_of(Unit)), [{"code": "X", "name": "Xã", "level": "commune"}]
            )
            session.execute(
                insert(table_of(User)),
                [
                    {
                        "id": 1,
                        "username": "cb",
                        "password_hash": "-",
                        "role": "officer",
                        "unit_code": "X",
                        "full_name": "",
                        "created_at": at,
                    }
                ],
            )
            session.execute(
                insert(table_of(Task)),
                [
                    {
                        "id": "t1",
                        "code": "NV",
                        "code_scope": "X",
                        "title": "NV",
                        "unit_code": "X",
                        "indicators": [],
                        "progress": 0,
                        "version": 1,
                        "updated_at": at,
                    }
                ],
            )
            report = {"id": "r1", "task_id": "t1", "unit_code": "X", "submitted_by": 1,
                      "content_sha256": "0" * 64, "body": {}, "progress": 1,
                      "status_claim": "in_progress", "classification": "normal",
                      "created_at": at, "received_at": at, "complete": True}  # fmt: skip
            session.execute(insert(table_of(Report)), [report])
        assert token.current() == first  # cached within the interval
        now[0] += MIN_INTERVAL_S
        assert token.current() != first
        assert len(statements) == 4
    finally:
        db.dispose()
