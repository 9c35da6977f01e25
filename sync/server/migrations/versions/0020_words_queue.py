"""SQLite: the words index is fed through a queue that a job of the server empties
about once a second, not by its trigger inside every sync round's transaction
(FTS5's per-transaction writes made ingest ~20 % slower). PostgreSQL: unchanged.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from sync.server import words_index

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# 0019's trigger, for a server of that version: it knows no queue.
_DIRECT_INSERT = """CREATE TRIGGER report_words_insert AFTER INSERT ON report
    WHEN new.search_words IS NOT NULL BEGIN
      INSERT INTO report_words(words, report_id) VALUES (new.search_words, new.id);
    END"""
_DIRECT_UPDATE = """CREATE TRIGGER report_words_update AFTER UPDATE OF search_words ON report BEGIN
      DELETE FROM report_words WHERE report_id = old.id;
      INSERT INTO report_words(words, report_id)
        SELECT new.search_words, new.id WHERE new.search_words IS NOT NULL;
    END"""
_DIRECT_DELETE = """CREATE TRIGGER report_words_delete AFTER DELETE ON report
    WHEN old.search_words IS NOT NULL BEGIN
      DELETE FROM report_words WHERE report_id = old.id;
    END"""


def upgrade() -> None:
    words_index.queue_inserts(op.get_bind())


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite" or not words_index.has_queue(connection):
        return
    words_index.flush(connection)  # nothing queued is left unindexed
    for suffix in ("insert", "delete", "update"):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {words_index.TABLE}_{suffix}")
    connection.exec_driver_sql(f"DROP TABLE {words_index.QUEUE}")
    for trigger in (_DIRECT_INSERT, _DIRECT_UPDATE, _DIRECT_DELETE):
        connection.exec_driver_sql(trigger)
