"""Alembic environment: always run by dxdesk.store.db with an open connection."""

from alembic import context
from sqlalchemy.engine import Connection

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("dxdesk migrations run through dxdesk.store.db.open_database()")

# Batch mode: SQLite cannot ALTER most things, alembic copies the table instead.
context.configure(connection=connection, render_as_batch=True, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
