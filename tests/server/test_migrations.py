"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, select

from sync.server.db import MIGRATIONS, create, open_database
from sync.server.tables import Base, Report, Task, Unit, User, table_of
from tests.server.conftest import Backend


def test_migrated_schema_matches_the_tables(backend: Backend) -> None:
    db = open_database(backend.new_url())
    try:
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, Base.metadata) == []
        open_database(db.engine.url.render_as_string(hide_password=False)).dispose()  # again
    finally:
        db.dispose()


def test_upgrade_from_0004_keeps_reports_and_adds_the_pull_indexes(backend: Backend) -> None:
    """0005 only adds indexes; a database left at 0004 with reports upgrades intact."""
    url = backend.new_url()
    engine = create(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0004")
    now = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(Unit)), [{"code": "X", "name": "Xã A", "level": "commune"}]
        )
        connection.execute(
            insert(table_of(User)),
            [{"id": 1, "username": "cb", "password_hash": "-", "role": "officer",
              "unit_code": "X", "full_name": "", "created_at": now}],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Task)),
            [{"id": "t1", "code": "NV-1", "title": "Số hoá hồ sơ", "unit_code": "X",
              "indicators": [], "progress": 0, "version": 1, "updated_at": now}],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Report)),
            [{"id": f"r{n}", "task_id": "t1", "unit_code": "X", "submitted_by": 1,
              "content_sha256": f"{n:064x}", "body": {"results": f"Đã làm {n}"},
              "progress": n, "status_claim": "in_progress", "classification": "normal",
              "created_at": now, "received_at": now, "complete": True,
              "review_version": n + 2 if n % 2 else None}
             for n in range(5)],
        )  # fmt: skip
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.read() as session:
            rows = session.execute(select(Report.id, Report.body).order_by(Report.id)).all()
            assert [(r.id, r.body["results"]) for r in rows] == [
                (f"r{n}", f"Đã làm {n}") for n in range(5)
            ]
        names = {ix["name"] for ix in inspect(db.engine).get_indexes("report")}
        assert "ix_report_unit_review" in names
        names = {ix["name"] for ix in inspect(db.engine).get_indexes("task")}
        assert "ix_task_unit_version" in names
    finally:
        db.dispose()


def test_the_pull_reads_a_units_reviews_through_the_index(tmp_path: Path) -> None:
    """SQLite once chose the unit index and sorted all of the unit's reports per round."""
    db = open_database(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    try:
        query = (
            select(Report.id)
            .where(Report.review_version > 3, Report.review_version <= 9)
            .where(Report.unit_code.in_(["X"]))
            .order_by(Report.review_version)
            .limit(51)
        )
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        with db.read() as session:
            plan = " ".join(
                str(row[-1])
                for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            )
        assert "ix_report_unit_review" in plan
        assert "TEMP B-TREE" not in plan
    finally:
        db.dispose()


def test_upgrade_from_0005_frees_a_task_pinned_by_a_future_device_time(backend: Backend) -> None:
    """0010: progress_at becomes the newest receipt among the task's complete reports
    (it held the device's time, and 2099 pinned the task); reports stay intact."""
    url = backend.new_url()
    engine = create(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0005")
    received = [dt.datetime(2026, 11, 20, 1, n, tzinfo=dt.UTC) for n in range(3)]
    pinned = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(Unit)), [{"code": "X", "name": "Xã A", "level": "commune"}]
        )
        connection.execute(
            insert(table_of(User)),
            [{"id": 1, "username": "cb", "password_hash": "-", "role": "officer",
              "unit_code": "X", "full_name": "", "created_at": received[0]}],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Task)),
            [{"id": "t1", "code": "NV-1", "title": "Số hoá", "unit_code": "X", "indicators": [],
              "progress": 70, "progress_at": pinned, "version": 1, "updated_at": received[0]},
             {"id": "t2", "code": "NV-2", "title": "Chưa báo cáo", "unit_code": "X",
              "indicators": [], "progress": 0, "progress_at": None, "version": 2,
              "updated_at": received[0]}],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Report)),
            [{"id": f"r{n}", "task_id": "t1", "unit_code": "X", "submitted_by": 1,
              "content_sha256": f"{n:064x}", "body": {"results": f"Đã làm {n}"},
              "progress": 30 + 20 * n, "status_claim": "in_progress",
              "classification": "normal", "created_at": pinned if n == 1 else received[n],
              "received_at": received[n], "complete": n < 2}
             for n in range(3)],
        )  # fmt: skip
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.read() as session:
            tasks = {t.id: t for t in session.scalars(select(Task))}
            assert (tasks["t1"].progress, tasks["t1"].progress_at) == (70, received[1])
            assert (tasks["t2"].progress, tasks["t2"].progress_at) == (0, None)
            rows = session.execute(select(Report.id, Report.body).order_by(Report.id)).all()
            assert [(r.id, r.body["results"]) for r in rows] == [
                (f"r{n}", f"Đã làm {n}") for n in range(3)
            ]
    finally:
        db.dispose()
