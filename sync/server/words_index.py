"""An index over the reports' folded words (``report.search_words``), so that a rare
word in the console's search finds its few reports instead of reading the subtree's
reports newest first until a page is full (nationally a million of them).

- SQLite: an FTS5 table with the trigram tokenizer, which matches substrings as the
  ``LIKE '%term%'`` it stands in for. It keeps the report's id beside the words:
  rowids of a table keyed by text may be renumbered by VACUUM, so an index pointing
  at them could silently drift. A trigger only queues each new report's id
  (``report_words_queue``); :class:`WordsIndexer` moves the queue into the index about
  once a second. FTS5 writes index segments per transaction: fed by the trigger, each
  50-report sync round paid ~180 µs a report for them (ingest ~20 % slower), fed in
  batches ~35 µs. Searches read the queue too, so a report is found the moment it
  is stored.
- PostgreSQL: a ``pg_trgm`` GIN index on ``report.search_words``, which the planner
  uses for ``LIKE`` by itself.

Neither is declared in the ORM metadata (they are each database's own kind of
object); migration 0019 makes them, and a database where they could not be made
(no FTS5 trigram tokenizer, no ``pg_trgm``) searches as before, only slower.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import Connection, column, func, select, table, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from sync.server.db import Database
from sync.server.periodic import PeriodicJob
from sync.server.tables import Report

log = logging.getLogger(__name__)

TABLE = "report_words"  # SQLite; FTS5 adds shadow tables named after it
QUEUE = "report_words_queue"  # reports stored since the indexer last ran
PG_INDEX = "ix_report_search_words_trgm"
MIN_TERM = 3  # a trigram index cannot look up anything shorter

_SQLITE = [  # the tables' names written out: DDL takes no bound names
    "CREATE VIRTUAL TABLE report_words USING fts5(words, report_id UNINDEXED, tokenize='trigram')",
    "CREATE TABLE report_words_queue (report_id VARCHAR(64) PRIMARY KEY) WITHOUT ROWID",
    *(
        QUEUED_TRIGGERS := [
            """CREATE TRIGGER report_words_insert AFTER INSERT ON report
            WHEN new.search_words IS NOT NULL BEGIN
              INSERT OR IGNORE INTO report_words_queue(report_id) VALUES (new.id);
            END""",
            # Reports are never deleted and their words never change once stored; these
            # two keep the index right should that ever change (slowly: report_id is not
            # indexed inside FTS5).
            """CREATE TRIGGER report_words_delete AFTER DELETE ON report BEGIN
              DELETE FROM report_words WHERE report_id = old.id;
              DELETE FROM report_words_queue WHERE report_id = old.id;
            END""",
            """CREATE TRIGGER report_words_update AFTER UPDATE OF search_words ON report BEGIN
              DELETE FROM report_words WHERE report_id = old.id;
              DELETE FROM report_words_queue WHERE report_id = old.id;
              INSERT INTO report_words_queue(report_id)
                SELECT new.id WHERE new.search_words IS NOT NULL;
            END""",
        ]
    ),
    "INSERT INTO report_words(words, report_id)"
    " SELECT search_words, id FROM report WHERE search_words IS NOT NULL",
]
_MATCH = text("SELECT report_id FROM report_words WHERE report_words MATCH :q LIMIT :n")
# The oldest ``:n`` queued ids (by id: any fixed order will do), moved in one
# transaction: both statements see the same rows, nothing else writes meanwhile.
_FLUSH = [
    text(
        "INSERT INTO report_words(words, report_id) SELECT r.search_words, r.id"
        " FROM report AS r WHERE r.search_words IS NOT NULL AND r.id IN"
        " (SELECT report_id FROM report_words_queue ORDER BY report_id LIMIT :n)"
    ),
    text(
        "DELETE FROM report_words_queue WHERE report_id IN"
        " (SELECT report_id FROM report_words_queue ORDER BY report_id LIMIT :n)"
    ),
]
# Per write transaction: a queue that grew while no server ran (an admin's import)
# is indexed in steps that sync rounds can write between, not in one long lock.
FLUSH_BATCH = 5_000
_QUEUE = table(QUEUE, column("report_id"))
_ANY_QUEUED = select(_QUEUE.c.report_id).limit(1)


def install(connection: Connection) -> None:
    """Make the index and fill it from the reports already stored."""
    dialect = connection.dialect.name
    savepoint = connection.begin_nested()  # a refusal must not abort the migration
    try:
        if dialect == "sqlite":
            for statement in _SQLITE:
                connection.exec_driver_sql(statement)
        elif dialect == "postgresql":
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            connection.exec_driver_sql(
                f"CREATE INDEX {PG_INDEX} ON report USING gin (search_words gin_trgm_ops)"
            )
        savepoint.commit()
    except Exception as error:  # an optional speed-up: say so, go on
        savepoint.rollback()
        log.warning("no index for the console's word search (%s): searches scan", error)


def uninstall(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for suffix in ("insert", "delete", "update"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TABLE}_{suffix}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {QUEUE}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")


def has_queue(connection: Connection) -> bool:
    found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"
    return connection.execute(text(found), {"name": QUEUE}).first() is not None


def queue_inserts(connection: Connection) -> None:
    """Turn an index the trigger fills directly (migration 0019 before the queue)
    into one fed through the queue."""
    if connection.dialect.name != "sqlite" or not _present_on(connection):
        return
    if has_queue(connection):
        return
    for suffix in ("insert", "delete", "update"):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TABLE}_{suffix}")
    connection.exec_driver_sql(_SQLITE[1])
    for trigger in QUEUED_TRIGGERS:
        connection.exec_driver_sql(trigger)


def flush(connection: Connection, limit: int = -1) -> int:
    """Move up to ``limit`` queued reports (all: -1) into the index, in the caller's
    write transaction; returns how many were queued and moved."""
    queued = connection.execute(select(func.count()).select_from(_QUEUE)).scalar_one()
    if queued:
        for statement in _FLUSH:
            connection.execute(statement, {"n": limit})
    return int(queued) if limit < 0 else min(int(queued), limit)


def is_ours(name: str | None) -> bool:
    """The index's own tables and index, which the ORM metadata does not declare."""
    return name is not None and (name in (TABLE, PG_INDEX) or name.startswith(TABLE + "_"))


def _present_on(connection: Connection) -> bool:
    if connection.dialect.name == "sqlite":
        found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"
        return connection.execute(text(found), {"name": TABLE}).first() is not None
    found = "SELECT 1 FROM pg_indexes WHERE indexname = :name"
    return connection.execute(text(found), {"name": PG_INDEX}).first() is not None


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def matching_ids(session: Session, terms: Sequence[str], limit: int) -> list[str] | None:
    """Ids of the reports whose words hold every term of at least :data:`MIN_TERM`
    characters (the caller still checks the shorter ones), or None when the index
    cannot narrow the search: no such term, no index, or more than ``limit`` matches
    (a common word, which the newest-first walk finds quickly anyway)."""
    long_terms = [t for t in terms if len(t) >= MIN_TERM]
    if not long_terms or not _present_on(session.connection()):
        return None
    if session.get_bind().dialect.name == "sqlite":
        match = {"q": " AND ".join(map(_quoted, long_terms)), "n": limit + 1}
        ids = list(session.scalars(_MATCH, match))
        # Stored since the indexer last ran (a second's worth, unless it is behind).
        queued = select(Report.id).join(_QUEUE, _QUEUE.c.report_id == Report.id)
        ids += session.scalars(queued.where(*_contains(long_terms)).limit(limit + 1))
    else:
        ids = list(
            session.scalars(select(Report.id).where(*_contains(long_terms)).limit(limit + 1))
        )
    return None if len(ids) > limit else [str(rid) for rid in ids]


def _contains(terms: Sequence[str]) -> list[ColumnElement[bool]]:
    return [Report.search_words.contains(t, autoescape=True) for t in terms]


class WordsIndexer(PeriodicJob):
    """Moves the queued reports into the index about once a second (SQLite only)."""

    name = "words-indexer"
    run_at_stop = True

    def __init__(self, db: Database, interval_s: float = 1.0, batch: int = FLUSH_BATCH) -> None:
        super().__init__(interval_s)
        self.db = db
        self.batch = batch

    def run_once(self) -> int:
        """Empty the queue, a batch per write transaction; how many were indexed."""
        if self.db.dialect != "sqlite":
            return 0
        with self.db.read() as session:  # the common case takes no write lock at all
            connection = session.connection()
            if not has_queue(connection) or not connection.execute(_ANY_QUEUED).first():
                return 0
        indexed = 0
        while True:
            with self.db.write() as session:
                moved = flush(session.connection(), self.batch)
            indexed += moved
            if moved < self.batch:
                return indexed
