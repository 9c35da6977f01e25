"""Open the server database (SQLite or PostgreSQL) and migrate it to the head.

SQLite: WAL, ``synchronous=FULL`` (an ack means the report is on disk) and write
transactions that start with ``BEGIN IMMEDIATE``, so concurrent writers queue on
the busy timeout instead of failing half-way with "database is locked".
PostgreSQL: READ COMMITTED; writers that must be ordered lock rows explicitly.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

from dxdesk.sqlite_durability import make_durable

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 30_000
_WRITE = "dxdesk_write"


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message says why."""


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
    dbapi_connection.isolation_level = None
    make_durable(dbapi_connection, BUSY_TIMEOUT_MS)


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_size=20, max_overflow=20, pool_pre_ping=True)
    raise DatabaseError(
        f"unsupported database URL {parsed.render_as_string(hide_password=True)}: "
        "use sqlite:///PATH or postgresql://USER@HOST/DB"
    )


def migrate(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class WriteGate:
    """One SQLite writer at a time, queued without SQLite's busy handler.

    The busy handler sleeps and polls (1, 2, 5 … 100 ms), so a writer can wait
    long after the lock is free. Threads queue on a lock; processes (server
    workers, admin commands) on an OS file lock beside the database, which wakes
    the next waiter as soon as it is released. Where there are no POSIX file
    locks (Windows), other processes fall back to the busy timeout.
    """

    def __init__(self, database: str | None) -> None:
        self._threads = threading.Lock()
        self._path = (
            Path(database + ".write-lock")
            if fcntl is not None and database and database != ":memory:"
            else None
        )

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            if self._path is None or fcntl is None:
                yield
                return
            with self._path.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
                yield


class Database:
    """An open, migrated server database; hand it to whatever needs sessions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{_WRITE: True})
        self._gate = WriteGate(engine.url.database) if engine.dialect.name == "sqlite" else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction, committed when the block ends without an exception."""
        guard = self._gate.held() if self._gate is not None else nullcontext()
        with guard, Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str) -> Database:
    try:
        engine = create(url)
        migrate(engine)
    except DatabaseError:
        raise
    except Exception as exc:  # driver errors vary; one sentence for the operator
        text: Any = getattr(exc, "orig", None) or exc
        raise DatabaseError(f"cannot open the database: {text}") from exc
    return Database(engine)
