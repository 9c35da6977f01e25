"""The console's word search through the words index (sync.server.words_index): the
same reports as a plain scan of the folded words, found through the index when the
words are rare, on both databases, for reports stored before and after migration 0019."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select

from dxdesk.text import search_terms
from sync.server import words_index
from sync.server.console import inbox
from sync.server.console.tree import Tree
from sync.server.db import MIGRATIONS, open_database
from sync.server.report_words import folded
from sync.server.scope import Scope
from sync.server.tables import Report, Task, Unit, User, table_of
from sync.server.words_index import WordsIndexer
from tests.server.conftest import Backend
from tests.server.test_migrations import database_at

NOW = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
COMMON = {"results": "Đã số hoá hồ sơ theo kế hoạch", "difficulties": "", "proposals": ""}
RARE = {"results": "Đã số hoá", "difficulties": "Thiếu máy quét ở Thàng Tín", "proposals": ""}
ODD = {"results": 'Ghi 50% "xong"_a/b', "difficulties": "", "proposals": ""}


def _seed(connection: sa.Connection, start: int, count: int, *, sealed_every: int = 0) -> None:
    """Reports numbered from ``start``: mostly common words, every 97th rare, one odd."""
    rows = []
    for n in range(start, start + count):
        body = RARE if n % 97 == 5 else ODD if n == 7 else COMMON
        sealed = "opaque" if sealed_every and n % sealed_every == 0 else None
        rows.append(
            {"id": f"r{n:05d}", "task_id": f"t{n % 3}", "unit_code": f"X{n % 3}",
             "submitted_by": 1, "content_sha256": f"{n:064x}", "body": body,
             "progress": 1, "status_claim": "in_progress",
             "classification": "secret" if sealed else "normal", "sealed": sealed,
             "search_words": folded(body, sealed), "created_at": NOW,
             "received_at": NOW + dt.timedelta(minutes=n), "complete": True}
        )  # fmt: skip
    connection.execute(insert(table_of(Report)), rows)


def _units_and_tasks(connection: sa.Connection) -> None:
    units = [{"code": "P", "name": "Tỉnh", "level": "province", "parent_code": None}]
    units += [{"code": f"X{i}", "name": f"Xã {i}", "level": "commune", "parent_code": "P"}
              for i in range(3)]  # fmt: skip
    connection.execute(insert(table_of(Unit)), units)
    connection.execute(
        insert(table_of(User)),
        [{"id": 1, "username": "cb", "password_hash": "-", "role": "officer",
          "unit_code": "X0", "full_name": "", "created_at": NOW}],
    )  # fmt: skip
    connection.execute(
        insert(table_of(Task)),
        [{"id": f"t{i}", "code": f"NV-{i}", "code_scope": "P", "title": "Nhiệm vụ",
          "unit_code": f"X{i}",
          "indicators": [], "progress": 0, "version": i + 1, "updated_at": NOW}
         for i in range(3)],
    )  # fmt: skip


def _search(db: Any, q: str) -> tuple[list[str], list[str] | None]:
    """The inbox's ids for ``q`` (every page) and what the index alone answered."""
    ids: list[str] = []
    with db.read() as session:
        tree = Tree(session)
        scope = Scope(frozenset(tree.subtree("P")))
        after = None
        while True:
            page = inbox.page(session, scope, tree, "P", inbox.parse_filters({"q": q}), after)
            ids += [row.id for row in page.rows]
            if page.next_after is None:
                break
            after = inbox.parse_cursor(page.next_after)
        indexed = words_index.matching_ids(session, search_terms(q), inbox.MAX_WORD_HITS)
    return ids, indexed


def _scanned(db: Any, q: str) -> list[str]:
    """The same search by reading every report's words: what the index must agree with."""
    terms = search_terms(q)
    with db.read() as session:
        rows = session.execute(
            select(Report.id, Report.search_words).order_by(
                Report.received_at.desc(), Report.id.desc()
            )
        ).all()
    return [rid for rid, words in rows if words and all(t in words for t in terms)]


def test_the_index_answers_rare_words_and_agrees_with_a_scan(backend: Backend) -> None:
    """Reports stored before 0019 (filled by the migration) and after (the trigger):
    a rare word is found through the index, a short syllable is still checked, a
    common word falls back to the walk, and every answer equals a full scan. Sealed
    reports have no words to find."""
    url, engine = database_at(backend, "0018")
    with engine.begin() as connection:
        _units_and_tasks(connection)
        _seed(connection, 0, 1200, sealed_every=50)
    engine.dispose()
    db = open_database(url)  # migrates to the head: 0019 fills the index
    try:
        with db.engine.begin() as connection:
            _seed(connection, 1200, 1200, sealed_every=50)
        for q, through_index in (
            ("thang tin", True),  # rare, both terms long enough
            ("Máy quét ở", True),  # "o" is too short for trigrams: checked on the rows
            ('50% "xong"_a/b', True),  # LIKE's and FTS5's special characters
            ("ke hoach", False),  # in most reports: more than MAX_WORD_HITS
            ("zzz khong co", True),  # nothing at all
        ):
            found, indexed = _search(db, q)
            assert found == _scanned(db, q), q
            assert (indexed is not None) == through_index, q
        rare, _ = _search(db, "thang tin")
        assert len(rare) == len([n for n in range(2400) if n % 97 == 5 and n % 50]) > 20
        assert _search(db, '50% "xong"_a/b')[0] == ["r00007"]
    finally:
        db.dispose()


def test_a_database_without_the_index_still_searches(backend: Backend) -> None:
    """Where the index could not be made (no trigram tokenizer, no pg_trgm) the search
    scans as before and finds the same reports."""
    db = open_database(backend.new_url())
    try:
        with db.engine.begin() as connection:
            _units_and_tasks(connection)
            _seed(connection, 0, 300)
            words_index.uninstall(connection)
        found, indexed = _search(db, "thang tin")
        assert indexed is None
        assert found == _scanned(db, "thang tin") != []
    finally:
        db.dispose()


def _queued(db: Any) -> int:
    with db.read() as session:
        return int(session.scalar(sa.text(f"SELECT count(*) FROM {words_index.QUEUE}")) or 0)


def test_new_reports_are_queued_found_at_once_and_indexed_by_the_job(tmp_path: Path) -> None:
    """SQLite: a sync round's transaction only queues its reports (the index itself is
    written in batches); a search finds them while queued, and the server's job moves
    them into the index, a bounded batch per write transaction (a long queue must not
    hold the write lock for long), and once more as the server stops."""
    db = open_database(f"sqlite:///{tmp_path / 'server.db'}")
    try:
        with db.engine.begin() as connection:
            _units_and_tasks(connection)
            _seed(connection, 0, 1200, sealed_every=50)
        waiting = len([n for n in range(1200) if n % 50])  # sealed reports have no words
        assert _queued(db) == waiting
        before, through_index = _search(db, "thang tin")
        assert before == _scanned(db, "thang tin") != [] and through_index is not None
        with db.write() as session:  # a batch at a time: 100 of them, not all
            assert words_index.flush(session.connection(), 100) == 100
        assert _queued(db) == waiting - 100
        assert WordsIndexer(db, batch=100).run_once() == waiting - 100  # batch by batch
        assert _queued(db) == 0 and WordsIndexer(db).run_once() == 0
        with db.read() as session:  # now in the index itself
            found = session.scalars(sa.text(f"SELECT report_id FROM {words_index.TABLE}"))
            assert len(list(found)) == waiting
        assert _search(db, "thang tin") == (before, through_index)
        with db.engine.begin() as connection:
            _seed(connection, 1200, 100)
        job = WordsIndexer(db, interval_s=3600)  # no tick: only the run at stop
        job.start()
        job.stop()
        assert _queued(db) == 0
        assert _search(db, "thang tin")[0] == _scanned(db, "thang tin")
    finally:
        db.dispose()


def test_an_index_filled_by_its_trigger_is_converted_and_back(tmp_path: Path) -> None:
    """A 0019 database (its trigger writes the index directly) upgraded: every report
    stays findable, new ones go through the queue; downgraded again, queued reports
    are indexed first and the direct trigger is back for a 0019 server."""
    url = f"sqlite:///{tmp_path / 'server.db'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # 0019 as a 0019 server left it: no queue
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0020")
        command.downgrade(cfg, "0019")
        assert not words_index.has_queue(connection)
        _units_and_tasks(connection)
        _seed(connection, 0, 600)
        direct = connection.scalar(sa.text(f"SELECT count(*) FROM {words_index.TABLE}"))
        assert direct == 600
    engine.dispose()
    db = open_database(url)  # to the head
    try:
        with db.engine.begin() as connection:
            assert words_index.has_queue(connection)
            _seed(connection, 600, 600)
        assert _queued(db) == 600
        assert _search(db, "thang tin")[0] == _scanned(db, "thang tin") != []
    finally:
        db.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0019")
        assert not words_index.has_queue(connection)
        assert connection.scalar(sa.text(f"SELECT count(*) FROM {words_index.TABLE}")) == 1200
        _seed(connection, 1200, 10)  # the direct trigger again
        assert connection.scalar(sa.text(f"SELECT count(*) FROM {words_index.TABLE}")) == 1210
    engine.dispose()
