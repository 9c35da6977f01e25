"""The publisher gives each task whose progress a push moved a change version of its
own, once, and leaves every other task as it was (on both databases)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from sync.protocol import TaskIn
from sync.server import accounts, progress, tasks, versions
from sync.server.db import Database, create, migrate
from sync.server.tables import Task
from tests.server.conftest import Backend


def _db(backend: Backend) -> Database:
    engine = create(backend.new_url())
    migrate(engine)
    return Database(engine)


def _rows(db: Database) -> dict[str, tuple[int, bool, dt.datetime]]:
    with db.read() as session:
        found = session.execute(
            select(Task.code, Task.version, Task.progress_pending, Task.updated_at)
        )
        return {code: (version, pending, at) for code, version, pending, at in found}


def test_pending_tasks_get_one_new_version_each_and_the_rest_stay(backend: Backend) -> None:
    db = _db(backend)
    try:
        with db.write() as session:
            accounts.add_unit(session, "X", "Xã Thử", None, "commune")
            for code in ("X-1", "X-2", "X-3"):
                tasks.upsert(
                    session, TaskIn(code=code, title="Số hoá", unit_code="X"), "t", replace=False
                )
        with db.write() as session:  # as a push that moved two tasks' progress leaves them
            session.execute(update(Task).where(Task.code != "X-2").values(progress_pending=True))
        before = _rows(db)

        with db.write() as session:
            assert progress.publish(session) == 2
        after = _rows(db)
        with db.read() as session:
            high = versions.current(session)

        assert not any(pending for _, pending, _ in after.values())
        assert after["X-2"] == before["X-2"]  # not pending: untouched
        moved = sorted(after[code][0] for code in ("X-1", "X-3"))
        assert moved == [high - 1, high]  # the newest versions, one each
        assert min(moved) > max(version for version, _, _ in before.values())
        assert all(after[code][2] >= before[code][2] for code in ("X-1", "X-3"))

        with db.write() as session:
            assert progress.publish(session) == 0  # nothing pending: nothing stamped
        assert _rows(db) == after
    finally:
        db.dispose()
