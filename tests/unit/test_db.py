import hashlib
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from dxdesk import tasks
from dxdesk.errors import SchemaTooNewError, StorageError
from dxdesk.store import db as dbmod
from dxdesk.store.db import alembic_config, head_revision, make_engine, open_database
from dxdesk.store.models import Report, ReportState, Task, TaskRemoval
from dxdesk.text import fold
from tests.conftest import TODAY


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_database_gets_the_whole_schema_matching_the_models(tmp_path: Path) -> None:
    database = open_database(tmp_path / "new.sqlite3")
    with database.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    database.close()
    assert not (tmp_path / "backups").exists()  # nothing to back up on a new store


def test_power_cut_safe_pragmas(tmp_path: Path) -> None:
    database = open_database(tmp_path / "p.sqlite3")
    with database.engine.connect() as conn:
        values = {
            name: conn.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert values == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": dbmod.BUSY_TIMEOUT_MS,
    }
    database.close()
    assert oct((tmp_path / "p.sqlite3").stat().st_mode & 0o777) == "0o600"


def test_each_thread_gets_its_own_connection(tmp_path: Path) -> None:
    database = open_database(tmp_path / "t.sqlite3")
    seen: list[int] = []
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with database.session() as session:
                seen.append(id(session.connection().connection.driver_connection))
                tasks.upsert(
                    session, {"id": f"t{n}", "code": f"NV-{n}", "title": "x", "unit_code": "U"}
                )
                session.commit()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    barrier_threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in barrier_threads:
        thread.start()
    for thread in barrier_threads:
        thread.join()
    assert errors == []
    with database.session() as session:
        assert len(session.exec(select(Task)).all()) == 4
    database.close()


# -- migrations from every earlier schema, with queued reports in place ---------


def seed_0001(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO task (id, code, title, description, doc_number, doc_issuer,"
                " unit_code, expected_output, progress, server_version, updated_at, deadline)"
                " VALUES ('t1', 'NV-2026-001', 'Số hoá hồ sơ Đảng uỷ xã', '', '17-KH/BCĐ', '',"
                " 'QN-BACHE', '', 20, 3, '2026-01-01 00:00:00', '2026-06-30')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO report (id, task_id, state, progress, status_claim, results,"
                " difficulties, proposals, indicator_values, classification, author,"
                " created_at, updated_at, finalized_at, content_sha256, state_changed_at,"
                " send_attempts) VALUES ('r1', 't1', 'queued', 60, 'in_progress',"
                " 'Đã số hoá 600 hồ sơ', 'Mất điện', '', '{}', 'normal', 'Cán bộ A',"
                " '2026-05-01 08:00:00', '2026-05-01 08:00:00', '2026-05-01 08:05:00',"
                " 'abc123', '2026-05-01 08:05:00', 0)"
            )
        )


def seed_0002(engine: Engine) -> None:
    # The same rows; 0002 keeps a folded search key, which its migration computed.
    seed_0001(engine)
    with engine.begin() as conn:
        key = fold("NV-2026-001 Số hoá hồ sơ Đảng uỷ xã  17-KH/BCĐ")
        conn.execute(text("UPDATE task SET search_key = :key WHERE id = 't1'"), {"key": key})


def seed_0003(engine: Engine) -> None:
    # 0003 added signatures and sealing; a report queued by 0002 has neither yet.
    seed_0002(engine)


def seed_0004(engine: Engine) -> None:
    # 0004 added the USB bundle marks; a report queued by 0003 has none.
    seed_0003(engine)


def seed_0005(engine: Engine) -> None:
    # 0005 added the task removal marks; a task listed by 0004 has none.
    seed_0004(engine)


SEEDS: dict[str, Callable[[Engine], None]] = {
    "0001": seed_0001,
    "0002": seed_0002,
    "0003": seed_0003,
    "0004": seed_0004,
    "0005": seed_0005,
}


def earlier_revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in script.walk_revisions() if rev.revision != head_revision()]


def test_known_revisions_match_the_migration_scripts() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    oldest_first = [rev.revision for rev in script.walk_revisions()][::-1]
    assert tuple(oldest_first) == dbmod.SCHEMA_REVISIONS
    assert script.get_current_head() == head_revision()


def test_every_earlier_revision_has_a_data_fixture() -> None:
    # A new migration must come with data written in the schema before it.
    assert set(earlier_revisions()) == set(SEEDS)


@pytest.mark.parametrize("revision", earlier_revisions())
def test_upgrade_from_earlier_revision_keeps_queued_reports(tmp_path: Path, revision: str) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(path)
    dbmod.upgrade(engine, path, target=revision)
    SEEDS[revision](engine)
    engine.dispose()

    database = open_database(path)
    backups = list((tmp_path / "backups").glob("old-schema-*.sqlite3"))
    assert len(backups) == 1, "a backup must be taken before migrating"
    old = make_engine(backups[0])
    with old.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == revision
    old.dispose()

    with database.session() as session:
        report = session.get(Report, "r1")
        assert report is not None
        assert report.state is ReportState.QUEUED
        assert (report.progress, report.results, report.difficulties) == (
            60,
            "Đã số hoá 600 hồ sơ",
            "Mất điện",
        )
        assert report.content_sha256 == "abc123"
        # Queued before reports were signed: signed (and sealed ones stay as they
        # were) when the sync engine sends them.
        assert (report.signature, report.device_id, report.sealed) == (None, None, None)
        # Never written to a USB bundle; no review applied yet (0004).
        assert (report.exported_bundle, report.exported_at, report.reviewed_at) == (None,) * 3
        assert not report.awaiting_receipt
        assert report.own_copy is None  # sealed before 0006 (or never): nothing kept
        report.exported_at = report.state_changed_at  # export marks are not content
        session.add(report)
        session.commit()
        rows = tasks.list_tasks(session, TODAY, search="so hoa dang uy")
        assert [row.task.code for row in rows] == ["NV-2026-001"]
        # Listed (nothing withdrawn or moved away, 0005); hidden, its report stays.
        task = rows[0].task
        assert (task.removed_at, task.removed_why, task.refresh_mark) == (None, None, None)
        tasks.remove(session, task, TaskRemoval.WITHDRAWN, reason="Thu hồi")
        session.commit()
        assert tasks.list_tasks(session, TODAY) == []
        assert session.get(Report, "r1") is not None
        for statement in (
            "UPDATE report SET progress = 1 WHERE id = 'r1'",
            "UPDATE report SET own_copy = '{}' WHERE id = 'r1'",
        ):
            with pytest.raises(IntegrityError, match="finalized"):
                session.execute(text(statement))
            session.rollback()
    database.close()


def test_reopening_current_store_takes_no_backup(tmp_path: Path) -> None:
    open_database(tmp_path / "s.sqlite3").close()
    open_database(tmp_path / "s.sqlite3").close()
    assert not (tmp_path / "backups").exists()


def test_backups_are_pruned(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    engine = make_engine(path)
    dbmod.upgrade(engine, path, target="0001")
    for _ in range(dbmod.BACKUPS_KEPT + 3):
        dbmod.backup(engine, path, "0001")
    engine.dispose()
    assert len(list((tmp_path / "backups").iterdir())) == dbmod.BACKUPS_KEPT


# -- refusing what we must not touch -------------------------------------------


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    open_database(path).close()
    engine = make_engine(path)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    engine.dispose()
    before = digest(path)
    with pytest.raises(SchemaTooNewError, match="newer version of dxdesk"):
        open_database(path)
    assert digest(path) == before
    assert not (tmp_path / "backups").exists()


def test_garbage_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "dxdesk.sqlite3"
    path.write_bytes(b"this is a Word document, not a database" * 100)
    before = digest(path)
    with pytest.raises(StorageError, match="damaged or is not a dxdesk database"):
        open_database(path)
    assert digest(path) == before


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    engine = make_engine(path)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE contacts (name TEXT)"))
    engine.dispose()
    with pytest.raises(StorageError, match="not a dxdesk store"):
        open_database(path)


def test_environment_errors_are_explained_in_plain_words(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    assert "disk holding" in dbmod.explain(Exception("database or disk is full"), path)
    assert "another dxdesk window" in dbmod.explain(Exception("database is locked"), path)
    assert "permissions" in dbmod.explain(Exception("attempt to write a readonly database"), path)
