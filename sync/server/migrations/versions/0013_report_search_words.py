"""The console's inbox search finds report words: each report's clear words folded
(no diacritics, lower case) in one column, filled for the reports already stored.

Sealed (classified) reports get nothing: their words are never stored in the clear.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync.server.report_words import folded

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    op.add_column("report", sa.Column("search_words", sa.Text(), nullable=True))
    report = sa.table(
        "report",
        sa.column("id", sa.String),
        sa.column("body", sa.JSON),
        sa.column("sealed", sa.Text),
        sa.column("search_words", sa.Text),
    )
    connection = op.get_bind()
    after = ""
    while True:  # keyset batches: a million reports never sit in memory at once
        rows = connection.execute(
            sa.select(report.c.id, report.c.body)
            .where(report.c.id > after, report.c.sealed.is_(None))
            .order_by(report.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        changes = [
            {"rid": row.id, "words": folded(row.body if isinstance(row.body, dict) else {}, None)}
            for row in rows
        ]
        connection.execute(
            report.update()
            .where(report.c.id == sa.bindparam("rid"))
            .values(search_words=sa.bindparam("words")),
            changes,
        )
        after = rows[-1].id


def downgrade() -> None:
    op.drop_column("report", "search_words")
