"""A folded search key per task, so the console's search runs in SQL.

The console's diacritic-insensitive search folded every task's code and title in
Python on each request: ~100,000 tasks nationally, seconds per search
(docs/benchmarks.md, reviewer console). ``task.search_key`` holds that fold, written
with the title; existing tasks get theirs here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dxdesk.text import fold

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    op.add_column("task", sa.Column("search_key", sa.Text(), nullable=False, server_default=""))
    task = sa.table("task", sa.column("id"), sa.column("code"), sa.column("title"),
                    sa.column("search_key"))  # fmt: skip
    bind = op.get_bind()
    rows = bind.execute(sa.select(task.c.id, task.c.code, task.c.title)).all()
    update = (
        sa.update(task)
        .where(task.c.id == sa.bindparam("task_id"))
        .values(search_key=sa.bindparam("key"))
    )
    for start in range(0, len(rows), BATCH):
        keys = [{"task_id": i, "key": fold(f"{c} {t}")} for i, c, t in rows[start : start + BATCH]]
        bind.execute(update, keys)


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_column("search_key")
