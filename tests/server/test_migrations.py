"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sync.server.db import open_database
from sync.server.tables import Base
from tests.server.conftest import Backend


def test_migrated_schema_matches_the_tables(backend: Backend) -> None:
    db = open_database(backend.new_url())
    try:
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, Base.metadata) == []
        open_database(db.engine.url.render_as_string(hide_password=False)).dispose()  # again
    finally:
        db.dispose()
