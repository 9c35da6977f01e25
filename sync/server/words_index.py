"""An index over the reports' folded words (``report.search_words``), so that a rare
word in the console's search finds its few reports instead of reading the subtree's
reports newest first until a page is full (nationally a million of them).

- SQLite: an FTS5 table with the trigram tokenizer, which matches substrings as the
  ``LIKE '%term%'`` it stands in for, filled by a trigger on insert. It keeps the
  report's id beside the words: rowids of a table keyed by text may be renumbered by
  VACUUM, so an index pointing at them could silently drift.
- PostgreSQL: a ``pg_trgm`` GIN index on ``report.search_words``, which the planner
  uses for ``LIKE`` by itself.

Neither is declared in the ORM metadata (they are each database's own kind of
object); migration 0019 makes them, and a database where they could not be made
(no FTS5 trigram tokenizer, no ``pg_trgm``) searches as before, only slower.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from sync.server.tables import Report

log = logging.getLogger(__name__)

TABLE = "report_words"  # SQLite; FTS5 adds shadow tables named after it
PG_INDEX = "ix_report_search_words_trgm"
MIN_TERM = 3  # a trigram index cannot look up anything shorter

_SQLITE = [  # the table's name written out: DDL takes no bound names
    "CREATE VIRTUAL TABLE report_words USING fts5(words, report_id UNINDEXED, tokenize='trigram')",
    # Reports are never deleted and their words never change once stored; the other
    # two triggers keep the index right should that ever change (slowly: report_id is
    # not indexed inside FTS5).
    """CREATE TRIGGER report_words_insert AFTER INSERT ON report
        WHEN new.search_words IS NOT NULL BEGIN
          INSERT INTO report_words(words, report_id) VALUES (new.search_words, new.id);
        END""",
    """CREATE TRIGGER report_words_delete AFTER DELETE ON report
        WHEN old.search_words IS NOT NULL BEGIN
          DELETE FROM report_words WHERE report_id = old.id;
        END""",
    """CREATE TRIGGER report_words_update AFTER UPDATE OF search_words ON report BEGIN
          DELETE FROM report_words WHERE report_id = old.id;
          INSERT INTO report_words(words, report_id)
            SELECT new.search_words, new.id WHERE new.search_words IS NOT NULL;
        END""",
    "INSERT INTO report_words(words, report_id)"
    " SELECT search_words, id FROM report WHERE search_words IS NOT NULL",
]
_MATCH = text("SELECT report_id FROM report_words WHERE report_words MATCH :q LIMIT :n")


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
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")


def is_ours(name: str | None) -> bool:
    """The index's own tables and index, which the ORM metadata does not declare."""
    return name is not None and (name in (TABLE, PG_INDEX) or name.startswith(TABLE + "_"))


def _present(session: Session) -> bool:
    if session.get_bind().dialect.name == "sqlite":
        found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"
        return session.execute(text(found), {"name": TABLE}).first() is not None
    found = "SELECT 1 FROM pg_indexes WHERE indexname = :name"
    return session.execute(text(found), {"name": PG_INDEX}).first() is not None


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def matching_ids(session: Session, terms: Sequence[str], limit: int) -> list[str] | None:
    """Ids of the reports whose words hold every term of at least :data:`MIN_TERM`
    characters (the caller still checks the shorter ones), or None when the index
    cannot narrow the search: no such term, no index, or more than ``limit`` matches
    (a common word, which the newest-first walk finds quickly anyway)."""
    long_terms = [t for t in terms if len(t) >= MIN_TERM]
    if not long_terms or not _present(session):
        return None
    if session.get_bind().dialect.name == "sqlite":
        found = session.execute(
            _MATCH, {"q": " AND ".join(map(_quoted, long_terms)), "n": limit + 1}
        )
    else:
        found = session.execute(
            select(Report.id)
            .where(*[Report.search_words.contains(t, autoescape=True) for t in long_terms])
            .limit(limit + 1)
        )
    ids = [str(rid) for (rid,) in found]
    return None if len(ids) > limit else ids
