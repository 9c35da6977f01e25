"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, select

from dxdesk import b64url, sealing
from sync.protocol import TaskIn
from sync.server import (
    blobs,
    tasks,
    words_index,
)
from sync.server.console import inbox
from sync.server.console.tree import Tree
from sync.server.db import MIGRATIONS, create, open_database
from sync.server.scope import Scope
from sync.server.tables import (
    Attachment,
    AuditEvent,
    Base,
    Blob,
    BlobUpload,
    Device,
    LoginChallenge,
    Release,
    ReleaseChunk,
    Report,
    Task,
    TaskDeparture,
    TaskIndicator,
    Unit,
    UploadChunk,
    User,
    table_of,
)
from tests.server.conftest import Backend


def database_at(backend: Backend, revision: str) -> tuple[str, sa.Engine]:
    """A new database migrated only to ``revision``, to fill as an older server would."""
    url = backend.new_url()
    engine = create(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    return url, engine


def stamp_column(name: str) -> sa.ColumnClause[dt.datetime]:
    """A time column of a table named here column by column: typed, so SQLAlchemy turns
    the datetime into the database's form (Python 3.12 deprecates sqlite3's own)."""
    return sa.column(name, sa.DateTime(timezone=True))


def add_commune_officer(connection: sa.Connection, now: dt.datetime) -> None:
    """Commune X and its officer cb (user id 1), the owners of the seeded rows."""
    connection.execute(insert(table_of(Unit)), [{"code": "X", "name": "Xã A", "level": "commune"}])
    connection.execute(
        insert(table_of(User)),
        [{"id": 1, "username": "cb", "password_hash": "-", "role": "officer",
          "unit_code": "X", "full_name": "", "created_at": now}],
    )  # fmt: skip


def add_devices(
    connection: sa.Connection, t0: dt.datetime, rows: list[tuple[int, str, str, int]]
) -> None:
    """Device keys as (user id, device id, key, minutes after ``t0`` registered)."""
    connection.execute(
        insert(table_of(Device)),
        [{"device_id": d, "user_id": u, "public_key": k, "last_seen": t0,
          "registered_at": t0 + dt.timedelta(minutes=m)} for u, d, k, m in rows],
    )  # fmt: skip


def test_migrated_schema_matches_the_tables(backend: Backend) -> None:
    db = open_database(backend.new_url())
    try:
        with db.engine.connect() as connection:
            # The word search's index is each database's own kind of object, not the ORM's.
            ours = {"include_name": lambda name, _kind, _parents: not words_index.is_ours(name)}
            context = MigrationContext.configure(connection, opts=ours)
            assert compare_metadata(context, Base.metadata) == []
        open_database(db.engine.url.render_as_string(hide_password=False)).dispose()  # again
    finally:
        db.dispose()


def test_upgrade_from_0004_keeps_reports_and_adds_the_pull_indexes(backend: Backend) -> None:
    """0005 only adds indexes; a database left at 0004 with reports upgrades intact."""
    url, engine = database_at(backend, "0004")
    now = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    with engine.begin() as connection:
        add_commune_officer(connection, now)
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


def test_upgrade_from_0005_keeps_verified_content_and_who_uploaded_it(backend: Backend) -> None:
    """0006 gives uploads owners: verified content and its uploaders' proof survive,
    partial uploads (whose owner nobody recorded) are dropped."""
    url, engine = database_at(backend, "0005")
    now = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    done, partial = b"%PDF-1.4 bien ban", b"half of a file"
    done_sha, partial_sha = (hashlib.sha256(d).hexdigest() for d in (done, partial + b"rest"))
    blob = sa.table(
        "blob",
        *(sa.column(c) for c in ("sha256", "size", "received", "complete")),
        stamp_column("updated_at"),
    )
    chunk = sa.table("blob_chunk", *(sa.column(c) for c in ("sha256", "offset", "data")))
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(Unit)), [{"code": "X", "name": "Xã A", "level": "commune"}]
        )
        connection.execute(
            insert(table_of(User)),
            [{"id": n, "username": f"cb{n}", "password_hash": "-", "role": "officer",
              "unit_code": "X", "full_name": "", "created_at": now} for n in (1, 2)],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Task)),
            [{"id": "t1", "code": "NV-1", "title": "Số hoá hồ sơ", "unit_code": "X",
              "indicators": [], "progress": 0, "version": 1, "updated_at": now}],
        )  # fmt: skip
        connection.execute(
            insert(blob),
            [{"sha256": done_sha, "size": len(done), "received": len(done), "complete": True,
              "updated_at": now},
             {"sha256": partial_sha, "size": len(partial) + 4, "received": len(partial),
              "complete": False, "updated_at": now}],
        )  # fmt: skip
        connection.execute(
            insert(chunk),
            [{"sha256": done_sha, "offset": 0, "data": done[:5]},
             {"sha256": done_sha, "offset": 5, "data": done[5:]},
             {"sha256": partial_sha, "offset": 0, "data": partial}],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Report)),
            [{"id": f"r{n}", "task_id": "t1", "unit_code": "X", "submitted_by": n,
              "content_sha256": f"{n:064x}", "body": {"results": f"Đã làm {n}"},
              "progress": 10 * n, "status_claim": "in_progress", "classification": "normal",
              "created_at": now, "received_at": now, "complete": n == 1}
             for n in (1, 2)],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Attachment)),
            [{"report_id": "r1", "id": "a1", "sha256": done_sha, "size": len(done),
              "file_name": "bb.pdf", "mime_type": "application/pdf"},
             {"report_id": "r2", "id": "a2", "sha256": partial_sha, "size": len(partial) + 4,
              "file_name": "x.pdf", "mime_type": "application/pdf"}],
        )  # fmt: skip
        connection.execute(
            insert(table_of(AuditEvent)),
            [{"at": now, "actor": "cb1", "action": "blob.complete", "subject": done_sha,
              "detail": {"size": len(done)}}],
        )  # fmt: skip
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.read() as session:
            uploads = session.execute(
                select(BlobUpload.sha256, BlobUpload.user_id, BlobUpload.size, BlobUpload.complete,
                       BlobUpload.sealed)
                .order_by(BlobUpload.id)
            ).all()  # fmt: skip
            # The content in an upload with no owner; cb1, who uploaded it, holds it.
            # Stored as it came (0017 seals only what arrives after it).
            assert [tuple(u) for u in uploads] == [
                (done_sha, None, len(done), True, False),
                (done_sha, 1, len(done), True, False),
            ]
            stored = blobs.stored_chunks(session, done_sha, sealing.generate())
            assert b"".join(stored) == done
            data = session.scalars(
                select(UploadChunk.data).order_by(UploadChunk.upload_id, UploadChunk.offset)
            ).all()
            assert b"".join(data) == done  # the partial upload's bytes are gone
            assert blobs.held(session, 1, {done_sha, partial_sha}) == {done_sha: len(done)}
            assert blobs.held(session, 2, {done_sha, partial_sha}) == {}
            blob_rows = session.execute(select(Blob.sha256, Blob.complete).order_by(Blob.size))
            assert sorted(tuple(b) for b in blob_rows) == sorted(
                [(done_sha, True), (partial_sha, False)]
            )
            reports = session.execute(select(Report.id, Report.complete).order_by(Report.id))
            assert [tuple(r) for r in reports] == [("r1", True), ("r2", False)]
            assert blobs.unheld(session, ["r1", "r2"]) == {"r2": [partial_sha]}
    finally:
        db.dispose()


def test_upgrade_from_0005_keeps_data_and_gives_each_key_to_its_first_user(
    backend: Backend,
) -> None:
    """0007: the challenge table, and a key registered by a later user (the attack
    that proofs of possession now prevent) is unregistered; everything else stays."""
    url, engine = database_at(backend, "0005")
    t0 = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    victim, attacker, colleague = b64url.encode(b"\1" * 32), b64url.encode(b"\2" * 32), "K3"
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(Unit)), [{"code": "X", "name": "Xã A", "level": "commune"}]
        )
        connection.execute(
            insert(table_of(User)),
            [{"id": n, "username": f"cb{n}", "password_hash": "-", "role": "officer",
              "unit_code": "X", "full_name": "", "created_at": t0} for n in (1, 2, 3)],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Task)),
            [{"id": "t1", "code": "NV-1", "title": "Số hoá hồ sơ", "unit_code": "X",
              "indicators": [], "progress": 0, "version": 1, "updated_at": t0}],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Report)),
            [{"id": "r1", "task_id": "t1", "unit_code": "X", "submitted_by": 1,
              "content_sha256": "0" * 64, "body": {"results": "Đã làm"}, "progress": 10,
              "status_claim": "in_progress", "classification": "normal", "created_at": t0,
              "received_at": t0, "complete": True, "device_id": "pc-1"}],
        )  # fmt: skip
        rows = [  # (user, device, key, minutes after t0)
            (1, "pc-1", victim, 0),  # the victim's own key
            (2, "pc-1", attacker, 1),  # a colleague's own key on the same PC: fine
            (2, "pc-1", victim, 5),  # the colleague registered the victim's key too
            (2, "pc-9", victim, 6),  # and under another device id
            (3, "pc-2", colleague, 2),
        ]
        add_devices(connection, t0, rows)
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.read() as session:
            kept = session.execute(
                select(Device.user_id, Device.device_id, Device.public_key).order_by(Device.id)
            ).all()
            assert [tuple(row) for row in kept] == [
                (1, "pc-1", victim), (2, "pc-1", attacker), (3, "pc-2", colleague)
            ]  # fmt: skip
            events = session.execute(
                select(AuditEvent.subject, AuditEvent.detail)
                .where(AuditEvent.action == "device.unregister")
                .order_by(AuditEvent.subject)
            ).all()
            assert [(e.subject, e.detail["user"]) for e in events] == [
                ("pc-1", "cb2"), ("pc-9", "cb2")
            ]  # fmt: skip
            assert session.execute(select(Report.id, Report.device_id)).all() == [("r1", "pc-1")]
            assert session.scalars(select(LoginChallenge.nonce_sha256)).all() == []
        names = {ix["name"] for ix in inspect(db.engine).get_indexes("device")}
        assert "ix_device_public_key" in names
    finally:
        db.dispose()


def test_upgrade_from_0005_scopes_task_codes_per_province_with_data_intact(
    backend: Backend,
) -> None:
    """0008: ``task.code`` is unique per province; existing tasks get their unit's
    province and keep their reports (SQLite rebuilds the table under them)."""
    url, engine = database_at(backend, "0005")
    now = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    units = [
        ("TW", None, "central"),
        ("QN", "TW", "province"),
        ("QN-X", "QN", "commune"),
        ("HT", "TW", "province"),
        ("HT-Y", "HT", "commune"),
        ("BO", "TW", "agency"),
    ]
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(Unit)),
            [{"code": c, "name": c, "parent_code": p, "level": level} for c, p, level in units],
        )
        connection.execute(
            insert(table_of(User)),
            [{"id": 1, "username": "cb", "password_hash": "-", "role": "officer",
              "unit_code": "QN-X", "full_name": "", "created_at": now}],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Task)),
            [{"id": f"t-{unit}", "code": f"NV-{unit}", "title": "Số hoá", "unit_code": unit,
              "indicators": [], "progress": 0, "version": -n, "updated_at": now}
             for n, unit in enumerate(("QN-X", "HT-Y", "TW", "BO"), start=1)],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Report)),
            [{"id": f"r{n}", "task_id": "t-QN-X", "unit_code": "QN-X", "submitted_by": 1,
              "content_sha256": f"{n:064x}", "body": {"results": f"Đã làm {n}"},
              "progress": n, "status_claim": "in_progress", "classification": "normal",
              "created_at": now, "received_at": now, "complete": True}
             for n in range(3)],
        )  # fmt: skip
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.read() as session:
            scopes = {r.id: r.code_scope for r in session.execute(select(Task.id, Task.code_scope))}
            assert scopes == {"t-QN-X": "QN", "t-HT-Y": "HT", "t-TW": "TW", "t-BO": "BO"}
            reports = session.execute(select(Report.id, Report.task_id).order_by(Report.id))
            assert [tuple(r) for r in reports] == [(f"r{n}", "t-QN-X") for n in range(3)]
        with db.write() as session:  # another province may now use QN's code
            values = TaskIn(code="NV-QN-X", title="Cùng mã, tỉnh khác", unit_code="HT-Y")
            task, created = tasks.upsert(session, values, "test", replace=False)
            assert created and task.code_scope == "HT"
        with pytest.raises(tasks.TaskError, match="already exists"), db.write() as session:
            values = TaskIn(code="NV-QN-X", title="Trùng", unit_code="QN")
            tasks.upsert(session, values, "test", replace=False)
    finally:
        db.dispose()


def test_upgrade_from_0005_keeps_reports_and_adds_the_console_indexes(backend: Backend) -> None:
    """0011 only adds the console's indexes; a database at 0005 upgrades intact."""
    url, engine = database_at(backend, "0005")
    now = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    with engine.begin() as connection:
        add_commune_officer(connection, now)
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
              "created_at": now, "received_at": now + dt.timedelta(minutes=n),
              "complete": True}
             for n in range(5)],
        )  # fmt: skip
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.read() as session:
            rows = session.execute(
                select(Report.id, Report.body).order_by(Report.received_at.desc())
            ).all()
            assert [(r.id, r.body["results"]) for r in rows] == [
                (f"r{n}", f"Đã làm {n}") for n in reversed(range(5))
            ]
        names = {ix["name"] for ix in inspect(db.engine).get_indexes("report")}
        assert {"ix_report_received_id", "ix_report_task_received"} <= names
        # 0021: the task's own index went, the (task, arrival) one serves it.
        assert "ix_report_task_id" not in names
        with db.read() as session:
            of_t1 = select(sa.func.count()).select_from(Report).where(Report.task_id == "t1")
            assert session.scalar(of_t1) == 5
    finally:
        db.dispose()
    engine = create(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0020")  # back for a 0020 server, with its index
    assert "ix_report_task_id" in {ix["name"] for ix in inspect(engine).get_indexes("report")}
    engine.dispose()


def test_upgrade_from_0005_folds_the_clear_words_of_stored_reports(backend: Backend) -> None:
    """0013 fills the console's search column for reports already stored, in the clear
    only: a sealed report's words stay sealed."""
    url, engine = database_at(backend, "0005")
    now = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    words = {"results": "Đã làm", "difficulties": "Thiếu KINH PHÍ", "proposals": ""}
    with engine.begin() as connection:
        add_commune_officer(connection, now)
        connection.execute(
            insert(table_of(Task)),
            [{"id": "t1", "code": "NV-1", "title": "Số hoá hồ sơ", "unit_code": "X",
              "indicators": [], "progress": 0, "version": 1, "updated_at": now}],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Report)),
            [{"id": rid, "task_id": "t1", "unit_code": "X", "submitted_by": 1,
              "content_sha256": f"{n:064x}", "body": {**words, "n": n},
              "progress": n, "status_claim": "in_progress", "classification": cls,
              "created_at": now, "received_at": now + dt.timedelta(minutes=n),
              "complete": True, "sealed": sealed}
             for n, (rid, cls, sealed) in enumerate(
                 [("r0", "normal", None), ("r1", "normal", None), ("r2", "secret", "opaque")]
             )],
        )  # fmt: skip
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.read() as session:
            rows = session.execute(
                select(Report.id, Report.body, Report.search_words).order_by(Report.id)
            ).all()
        assert [(r.id, r.body["n"], r.search_words) for r in rows] == [
            ("r0", 0, "da lam thieu kinh phi"),
            ("r1", 1, "da lam thieu kinh phi"),
            ("r2", 2, None),
        ]
    finally:
        db.dispose()


def test_the_inbox_pages_newest_first_through_the_index(tmp_path: Path) -> None:
    """A keyset page of every unit's newest reports (a central reviewer's inbox over a
    million reports) reads the index in order and never sorts them all."""
    db = open_database(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    try:
        at = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
        query = (
            select(Report.id)
            .where((Report.received_at < at) | ((Report.received_at == at) & (Report.id < "m")))
            .order_by(Report.received_at.desc(), Report.id.desc())
            .limit(51)
        )
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        with db.read() as session:
            plan = " ".join(
                str(row[-1])
                for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            )
        assert "ix_report_received_id" in plan
        assert "TEMP B-TREE" not in plan
    finally:
        db.dispose()


def test_upgrade_from_0005_frees_a_task_pinned_by_a_future_device_time(backend: Backend) -> None:
    """0010: progress_at becomes the newest receipt among the task's complete reports
    (it held the device's time, and 2099 pinned the task); reports stay intact."""
    url, engine = database_at(backend, "0005")
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


def test_upgrade_from_0011_gives_existing_tasks_their_search_key(backend: Backend) -> None:
    """0012: every existing task gets its folded code and title, which the console's
    search matches in SQL; tasks and their reports are kept."""
    url, engine = database_at(backend, "0011")
    now = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    titles = {"t1": ("NV-01", "Số hoá hồ sơ Đảng viên"), "t2": ("NV-02", "Khảo sát 100%_mạng")}
    with engine.begin() as connection:
        add_commune_officer(connection, now)
        # Columns named one by one: the model's table has search_key, 0011's has not.
        task = sa.table("task", *(sa.column(name) for name in (
            "id", "code", "code_scope", "title", "unit_code", "indicators", "progress",
            "version", "description", "doc_number", "doc_issuer",
            "expected_output", "progress_pending")), stamp_column("updated_at"))  # fmt: skip
        connection.execute(
            insert(task),
            [{"id": tid, "code": code, "code_scope": "X", "title": title, "unit_code": "X",
              "indicators": "[]", "progress": 0, "version": n, "updated_at": now,
              "description": "", "doc_number": "", "doc_issuer": "", "expected_output": "",
              "progress_pending": False}
             for n, (tid, (code, title)) in enumerate(sorted(titles.items()), start=1)],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Report)),
            [{"id": "r1", "task_id": "t1", "unit_code": "X", "submitted_by": 1,
              "content_sha256": "0" * 64, "body": {"results": "Đã làm"}, "progress": 5,
              "status_claim": "in_progress", "classification": "normal", "created_at": now,
              "received_at": now, "complete": True}],
        )  # fmt: skip
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.read() as session:
            keys = {tid: key for tid, key in session.execute(select(Task.id, Task.search_key))}
            assert keys == {"t1": "nv-01 so hoa ho so dang vien", "t2": "nv-02 khao sat 100%_mang"}
            tree = Tree(session)
            scope = Scope(None)
            for q, found in (("dang VIEN", ["r1"]), ("100%_", []), ("hoa ho", ["r1"])):
                filters = inbox.Filters(q=q)
                page = inbox.page(session, scope, tree, "X", filters, None)
                assert [row.id for row in page.rows] == found, q
    finally:
        db.dispose()


def test_upgrade_from_0005_gives_tasks_their_indicator_rows_with_the_newest_values(
    backend: Backend,
) -> None:
    """0014 writes each task's indicators beside the value of its newest report (by
    arrival, then id): what the overview sums. Reports and tasks stay intact."""
    url, engine = database_at(backend, "0005")
    now = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    hs = {"code": "HS", "name": "Hồ sơ", "unit": "hồ sơ", "target": 1200}
    nd = {"code": "ND", "name": "Người", "unit": "người", "target": None}
    with engine.begin() as connection:
        add_commune_officer(connection, now)
        connection.execute(
            insert(table_of(Task)),
            [{"id": tid, "code": f"NV-{n}", "title": "Số hoá", "unit_code": "X",
              "indicators": inds, "progress": 0, "version": n + 1, "updated_at": now}
             for n, (tid, inds) in enumerate([("t1", [hs, nd]), ("t2", [hs]), ("t3", [])])],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Report)),
            [{"id": rid, "task_id": tid, "unit_code": "X", "submitted_by": 1,
              "content_sha256": f"{n:064x}", "body": {"indicator_values": values},
              "progress": n, "status_claim": "in_progress", "classification": "normal",
              "created_at": now, "received_at": now + dt.timedelta(minutes=minutes),
              "complete": True}
             for n, (rid, tid, minutes, values) in enumerate([
                 ("r1", "t1", 1, {"HS": 100, "ND": 7}),
                 ("r3", "t1", 5, {"HS": 300, "ND": True}),  # newest of t1 (same time, id)
                 ("r2", "t1", 5, {"HS": 200}),
                 ("r4", "t1", 2, {"HS": 999}),
                 ("r5", "t3", 9, {"HS": 5}),
             ])],
        )  # fmt: skip
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.read() as session:
            rows = session.execute(
                select(
                    TaskIndicator.task_id, TaskIndicator.code, TaskIndicator.unit_code,
                    TaskIndicator.target, TaskIndicator.value, TaskIndicator.value_report,
                ).order_by(TaskIndicator.task_id, TaskIndicator.position)
            ).all()  # fmt: skip
            assert [tuple(r) for r in rows] == [
                ("t1", "HS", "X", 1200.0, 300.0, "r3"),
                ("t1", "ND", "X", None, None, "r3"),  # True is not a number
                ("t2", "HS", "X", 1200.0, None, None),  # never reported
            ]
            assert session.scalar(select(sa.func.count()).select_from(Report)) == 5
            assert [t.indicators for t in session.scalars(select(Task).order_by(Task.id))] == [
                [hs, nd],
                [hs],
                [],
            ]
    finally:
        db.dispose()


def test_a_provinces_inbox_walks_the_arrival_index_and_a_communes_its_own(tmp_path: Path) -> None:
    """SQLite reads a province's (large subtree's) newest page from the arrival index
    instead of sorting all its reports; a commune's still from the unit index. The
    page is the same either way: the subtree's newest reports in order."""
    db = open_database(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    try:
        now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
        units = [{"code": "TW", "name": "Trung ương", "level": "central", "parent_code": None}]
        units += [{"code": f"P{p}", "name": f"Tỉnh {p}", "level": "province",
                   "parent_code": "TW"} for p in range(4)]  # fmt: skip
        units += [{"code": f"P{n % 4}-X{n}", "name": f"Xã {n}", "level": "commune",
                   "parent_code": f"P{n % 4}"} for n in range(200)]  # fmt: skip
        communes = [u["code"] for u in units[5:]]
        with db.engine.begin() as connection:
            connection.execute(insert(table_of(Unit)), units)
            connection.execute(
                insert(table_of(User)),
                [{"id": 1, "username": "cb", "password_hash": "-", "role": "officer",
                  "unit_code": "P0-X0", "full_name": "", "created_at": now}],
            )  # fmt: skip
            connection.execute(
                insert(table_of(Task)),
                [{"id": f"t{n}", "code": f"NV-{n}", "code_scope": str(c)[:2], "title": "T",
                  "unit_code": c, "indicators": [], "progress": 0, "version": n + 1,
                  "updated_at": now} for n, c in enumerate(communes)],
            )  # fmt: skip
            connection.execute(
                insert(table_of(Report)),
                [{"id": f"r{n:05d}", "task_id": f"t{n % 200}", "unit_code": communes[n % 200],
                  "submitted_by": 1, "content_sha256": f"{n:064x}", "body": {}, "progress": 1,
                  "status_claim": "in_progress", "classification": "normal",
                  "created_at": now, "received_at": now + dt.timedelta(minutes=n % 997),
                  "complete": True} for n in range(6000)],
            )  # fmt: skip
            connection.exec_driver_sql("ANALYZE")
            # The statistics of the national database (bench/console.py: a million
            # reports, ~300 a commune), under which SQLite chose the unit index.
            connection.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl IN ('report', 'task')")
            connection.exec_driver_sql(
                "INSERT INTO sqlite_stat1 VALUES "
                "('report', 'ix_report_task_received', '1000000 11 1'),"
                "('report', 'ix_report_received_id', '1000000 1 1'),"
                "('report', 'ix_report_unit_review', '1000000 311 3'),"
                "('report', 'ix_report_review_version', '1000000 3'),"
                "('report', 'ix_report_unit_received', '1000000 311 1'),"
                "('report', 'sqlite_autoindex_report_1', '1000000 1'),"
                "('task', 'ix_task_unit_code', '99630 30'),"
                "('task', 'sqlite_autoindex_task_1', '99630 1')"
            )
            connection.exec_driver_sql("ANALYZE sqlite_schema")  # the planner rereads them
        plans: list[str] = []

        def explain(conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
            if statement.lstrip().startswith("SELECT report.id"):
                rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
                plans.append(" ".join(str(row[-1]) for row in rows))

        sa.event.listen(db.engine, "before_cursor_execute", explain)
        try:
            with db.read() as session:
                scope = Scope(frozenset(Tree(session).subtree("P1")))
                tree = Tree(session)
                province = inbox.page(session, scope, tree, "P1", inbox.Filters(), None)
                commune = inbox.page(session, scope, tree, "P1",
                                     inbox.parse_filters({"unit": "P1-X5"}), None)  # fmt: skip
                everything = session.execute(
                    select(Report.id, Report.received_at, Report.unit_code)
                ).all()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", explain)
        assert "ix_report_received_id" in plans[0] and "TEMP B-TREE" not in plans[0], plans[0]
        assert "ix_report_received_id" not in plans[1], plans[1]
        for found, where in ((province, lambda u: u.startswith("P1-")), (commune, "P1-X5".__eq__)):
            newest = sorted(
                ((r.received_at, r.id) for r in everything if where(r.unit_code)), reverse=True
            )[: inbox.PAGE]
            assert [(row.received_at, row.id) for row in found.rows] == newest
    finally:
        db.dispose()


def test_upgrade_from_0005_retires_all_but_each_devices_newest_key(backend: Backend) -> None:
    """0015: a key per login was kept before; now the newest of each user's device is
    current and the others are retired when their successor came. None is deleted."""
    url, engine = database_at(backend, "0005")
    t0 = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    keys = [b64url.encode(bytes([n]) * 32) for n in range(4)]
    with engine.begin() as connection:
        add_commune_officer(connection, t0)
        rows = [(1, "pc-1", keys[0], 0), (1, "pc-1", keys[1], 5), (1, "pc-1", keys[2], 9),
                (1, "pc-2", keys[3], 1)]  # fmt: skip
        add_devices(connection, t0, rows)
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.read() as session:
            kept = session.execute(
                select(Device.device_id, Device.public_key, Device.retired_at).order_by(Device.id)
            ).all()
        assert [tuple(row) for row in kept] == [
            ("pc-1", keys[0], t0 + dt.timedelta(minutes=5)),
            ("pc-1", keys[1], t0 + dt.timedelta(minutes=9)),
            ("pc-1", keys[2], None),
            ("pc-2", keys[3], None),
        ]
    finally:
        db.dispose()


def test_upgrade_from_0005_adds_empty_release_tables_and_keeps_the_data(backend: Backend) -> None:
    """0018 only adds the release tables: a 0005 database keeps its units and users,
    and a release can be stored in the upgraded one."""
    url, engine = database_at(backend, "0005")
    now = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    with engine.begin() as connection:
        add_commune_officer(connection, now)
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.write() as session:
            assert session.scalar(select(User.username)) == "cb"
            assert session.scalar(select(sa.func.count()).select_from(Release)) == 0
            session.add(Release(version="0.2.0", channel="stable", manifest=b"m",
                                published_at=now))  # fmt: skip
            session.flush()
            session.add(ReleaseChunk(sha256="a" * 64, offset=0, data=b"bytes"))
        with db.read() as session:
            assert session.scalar(select(Release.version)) == "0.2.0"
            assert session.scalar(select(Unit.name)) == "Xã A"
    finally:
        db.dispose()


def test_upgrade_from_0005_keeps_tasks_and_reports_open_and_can_withdraw_and_move(
    backend: Backend,
) -> None:
    """0016: tasks and their reports come through open (nothing withdrawn, no
    departures); a task of before can then be withdrawn and moved as any other."""
    url, engine = database_at(backend, "0005")
    now = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    with engine.begin() as connection:
        add_commune_officer(connection, now)
        connection.execute(
            insert(table_of(Unit)), [{"code": "Y", "name": "Xã B", "level": "commune"}]
        )
        connection.execute(
            insert(table_of(Task)),
            [{"id": f"t{n}", "code": f"NV-{n}", "title": "Số hoá hồ sơ", "unit_code": "X",
              "indicators": [], "progress": 0, "version": n, "updated_at": now}
             for n in (1, 2)],
        )  # fmt: skip
        connection.execute(
            insert(table_of(Report)),
            [{"id": "r1", "task_id": "t1", "unit_code": "X", "submitted_by": 1,
              "content_sha256": "1" * 64, "body": {"results": "Đã làm"}, "progress": 40,
              "status_claim": "in_progress", "classification": "normal",
              "created_at": now, "received_at": now, "complete": True}],
        )  # fmt: skip
    engine.dispose()

    db = open_database(url)  # migrates to the head
    try:
        with db.read() as session:
            rows = session.execute(
                select(Task.id, Task.unit_code, Task.withdrawn_at).order_by(Task.id)
            ).all()
            assert [tuple(r) for r in rows] == [("t1", "X", None), ("t2", "X", None)]
            assert session.scalar(select(sa.func.count()).select_from(TaskDeparture)) == 0
            report = session.get(Report, "r1")
            assert report is not None and report.body == {"results": "Đã làm"}
        with db.write() as session:
            first, second = session.get(Task, "t1"), session.get(Task, "t2")
            assert first is not None and second is not None
            tasks.withdraw(session, first, "Đã có văn bản thay thế", "admin")
            tasks.move(session, second, "Y", "admin")
        with db.read() as session:
            first, second = session.get(Task, "t1"), session.get(Task, "t2")
            assert first is not None and second is not None
            assert first.withdrawn_reason == "Đã có văn bản thay thế"
            assert second.unit_code == "Y"
            departure = session.scalars(select(TaskDeparture)).one()
            assert (departure.task_id, departure.unit_code) == ("t2", "X")
            assert len({first.version, second.version, departure.version}) == 3
    finally:
        db.dispose()
