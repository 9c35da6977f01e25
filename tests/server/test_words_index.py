"""The console's word search through the words index (sync.server.words_index): the
same reports as a plain scan of the folded words, found through the index when the
words are rare, on both databases, for reports stored before and after migration 0019."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import insert, select

from dxdesk.text import search_terms
from sync.server import words_index
from sync.server.console import inbox
from sync.server.console.tree import Tree
from sync.server.db import open_database
from sync.server.report_words import folded
from sync.server.scope import Scope
from sync.server.tables import Report, Task, Unit, User, table_of
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
