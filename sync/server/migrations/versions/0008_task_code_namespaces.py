"""Task codes are unique per province, not across the whole country.

One global namespace let a reviewer of one province learn other provinces' codes
from 409s and squat a code so that another province's CSV import failed. Each task
now keeps the unit whose codes it shares (``code_scope``: its unit's province, see
``sync.server.scope.UnitTree``), and ``(code_scope, code)`` is unique instead of
``code``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync.server.coltypes import UTCDateTime
from sync.server.scope import UnitTree

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# SQLite names no unique constraint it was given inline: give it one to drop.
_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
_COLUMNS = (
    "id, code, code_scope, title, description, doc_number, doc_date, doc_issuer, unit_code, "
    "start_date, deadline, expected_output, indicators, completed_on, progress, progress_at, "
    "progress_pending, version, updated_at"
)


def _rebuild_sqlite_table() -> None:
    """SQLite cannot drop the inline UNIQUE (code): the table is rebuilt. Not by
    batch mode, which fills the copy before dropping the original: reports refer to
    tasks, and with foreign keys on, SQLite counts the reports orphaned by the drop
    and forgives them only for rows inserted into ``task`` afterwards. So: keep the
    rows aside, drop, create, insert, with the checks deferred to the commit."""
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute("CREATE TABLE _task_0008 AS SELECT * FROM task")
    op.drop_table("task")
    op.create_table(
        "task",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("code_scope", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("doc_number", sa.Text(), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=True),
        sa.Column("doc_issuer", sa.Text(), nullable=False),
        sa.Column("unit_code", sa.String(64), sa.ForeignKey("unit.code"), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("expected_output", sa.Text(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("progress_at", UTCDateTime(), nullable=True),
        sa.Column("progress_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("version", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("code_scope", "code", name="uq_task_scope_code"),
    )
    op.create_index("ix_task_unit_code", "task", ["unit_code"])
    op.create_index("ix_task_progress_pending", "task", ["progress_pending"])
    op.create_index("ix_task_unit_version", "task", ["unit_code", "version"])
    op.execute(f"INSERT INTO task ({_COLUMNS}) SELECT {_COLUMNS} FROM _task_0008")  # noqa: S608
    op.drop_table("_task_0008")


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("code_scope", sa.String(64), nullable=True))
    units = bind.execute(sa.text("SELECT code, parent_code, level FROM unit")).all()
    tree = UnitTree({u.code: u.parent_code for u in units}, {u.code: u.level for u in units})
    task = sa.table("task", sa.column("unit_code"), sa.column("code_scope"))
    for unit in units:
        bind.execute(
            task.update()
            .where(task.c.unit_code == unit.code)
            .values(code_scope=tree.namespace(unit.code))
        )
    if bind.dialect.name == "sqlite":
        _rebuild_sqlite_table()
    else:
        op.drop_constraint("task_code_key", "task", type_="unique")
        op.alter_column("task", "code_scope", existing_type=sa.String(64), nullable=False)
        op.create_unique_constraint("uq_task_scope_code", "task", ["code_scope", "code"])


def downgrade() -> None:
    with op.batch_alter_table("task", naming_convention=_NAMES) as batch:
        batch.drop_constraint("uq_task_scope_code", type_="unique")
        batch.create_unique_constraint("uq_task_code", ["code"])
        batch.drop_column("code_scope")
