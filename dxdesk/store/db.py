"""The one place that opens the local database.

SQLite in WAL mode with ``synchronous=FULL``: our users lose power several times a
week, and a committed report must survive that. Each thread gets its own connection
from SQLAlchemy's pool. Migrations run on open, after a backup copy.

Every file, encrypted or plain (the legacy store), goes through SQLCipher
(``sqlcipher3``, which carries its own SQLite): without a key it is plain SQLite.
One SQLite in the installer, not the system's beside SQLCipher's.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from dxdesk.errors import SchemaTooNewError, StorageError
from dxdesk.sqlite_durability import Connection, make_durable
from dxdesk.store import store_damage

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent.parent / "migrations"  # dxdesk/migrations
BUSY_TIMEOUT_MS = 10_000
BACKUPS_KEPT = 5
SQLITE_HEADER = b"SQLite format 3\x00"
# Every migration, oldest first (a test keeps this equal to migrations/versions).
# Knowing them here lets a normal start skip importing Alembic, which costs ~0.3 s.
SCHEMA_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006")


def _key_pragma(key: bytes) -> str:
    # A raw 256-bit key (x'…'): SQLCipher skips its own passphrase KDF, since ours
    # (Argon2id, in dxdesk.identity.vault) already ran once at unlock.
    return f"PRAGMA key = \"x'{key.hex()}'\""


def _pragmas(key: bytes | None) -> Any:
    def on_connect(dbapi_connection: Connection, _record: object) -> None:
        if key is not None:
            dbapi_connection.execute("PRAGMA cipher_log_level = NONE")
            dbapi_connection.execute(_key_pragma(key))
            # Sorts and temporary tables stay in memory, never in a plaintext temp file.
            dbapi_connection.execute("PRAGMA temp_store = MEMORY")
        make_durable(dbapi_connection, BUSY_TIMEOUT_MS)

    return on_connect


def alembic_config() -> Config:
    from alembic.config import Config  # noqa: PLC0415 (lazy: only when migrating)

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return SCHEMA_REVISIONS[-1]


def explain(exc: BaseException, path: Path, *, encrypted: bool = False) -> str:
    """Turn SQLite's terse errors into sentences an officer can act on."""
    text = str(getattr(exc, "orig", None) or exc)
    lowered = text.lower()
    if encrypted and "not a database" in lowered:
        return (
            f"The database {path} cannot be decrypted with this user's key: it belongs to "
            "someone else or is damaged. Nothing was changed; ask support, who can "
            "recover it from the backups folder with the right key."
        )
    if "not a database" in lowered or "malformed" in lowered:
        return (
            f"The database {path} is damaged or is not a dxdesk database ({text}). "
            "Nothing was changed; ask support to recover it from the backups folder."
        )
    if "disk is full" in lowered or "database or disk is full" in lowered:
        return f"The disk holding {path} is full. Free some space and try again; nothing was lost."
    if "locked" in lowered or "busy" in lowered:
        return f"The database {path} is in use by another dxdesk window. Close it and try again."
    if "readonly" in lowered or "permission" in lowered or "unable to open" in lowered:
        return f"Cannot write the database {path}: check the folder's permissions ({text})."
    return f"Cannot use the database {path}: {text}"


class Database:
    """An open local store. Use :meth:`session` for a unit of work."""

    def __init__(self, path: Path, engine: Engine, key: bytes | None = None) -> None:
        self.path = path
        self.engine = engine
        self.key = key

    @property
    def encrypted(self) -> bool:
        return self.key is not None

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def _damage_is_said(path: Path) -> Any:
    """A damaged page is found when a query first reads it, which may be long after
    opening: wherever that is, the officer reads the damaged-store sentence (exit 4),
    not "unexpected error"."""

    def on_error(context: ExceptionContext) -> None:
        error = context.original_exception
        if "malformed" in str(error).lower():
            raise store_damage.damaged(path, str(error)) from error

    return on_error


def check_integrity(engine: Engine, path: Path) -> None:
    """Every page of an encrypted store against its HMAC (SQLCipher): a flipped byte
    anywhere is refused at unlock, before a migration would back it up over the
    good copies. Reads the whole file once: ~10 ms per MB."""
    with engine.connect() as conn:
        failures = [row[0] for row in conn.exec_driver_sql("PRAGMA cipher_integrity_check")]
    if failures:
        log.error("integrity check of %s: %d failures, first: %s", path, len(failures), failures[0])
        raise store_damage.damaged(path, str(failures[0]))


def make_engine(path: Path, key: bytes | None = None) -> Engine:
    """``key``: the user's data key; the store is then a SQLCipher database."""
    import sqlcipher3  # noqa: PLC0415 (lazy: not on the first window's path)

    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        module=sqlcipher3,
    )
    event.listen(engine, "connect", _pragmas(key))
    event.listen(engine, "handle_error", _damage_is_said(path))
    return engine


def open_database(path: Path, *, migrate: bool = True, key: bytes | None = None) -> Database:
    """Open (creating if needed) and migrate the store at ``path``.

    With ``key`` the store is encrypted (SQLCipher); without, it is the plain SQLite
    of earlier versions. Raises :class:`StorageError` with a plain-words message when
    the file is damaged, belongs to something else or someone else, or was written
    by a newer dxdesk.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _check_header(path, encrypted=key is not None)
    engine = make_engine(path, key)
    try:
        if key is not None:
            check_integrity(engine, path)
        if migrate:
            upgrade(engine, path, key=key)
        else:
            check_schema(engine, path)
    except StorageError:
        engine.dispose()
        raise
    except Exception as exc:
        # sqlcipher3's own errors, when raised outside SQLAlchemy (the integrity check)
        if isinstance(exc, DBAPIError) or type(exc).__module__.startswith("sqlcipher3"):
            engine.dispose()
            raise StorageError(explain(exc, path, encrypted=key is not None)) from exc
        raise
    if path.exists():
        path.chmod(0o600)
    return Database(path, engine, key)


def is_plain_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _check_header(path: Path, *, encrypted: bool = False) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StorageError(f"Cannot read the database {path}: {exc.strerror}.") from exc
    if encrypted and header == SQLITE_HEADER:
        raise StorageError(
            f"The database {path} is not encrypted, but this profile's must be; "
            "refusing to use it. Nothing was changed."
        )
    if not encrypted and header != SQLITE_HEADER:
        raise StorageError(explain(ValueError("file is not a database"), path))


def current_revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def check_schema(engine: Engine, path: Path) -> str | None:
    """Return the current revision, refusing schemas this version cannot read."""
    current = current_revision(engine)
    if current is None:
        tables = set(inspect(engine).get_table_names())
        if tables - {"alembic_version"}:
            raise StorageError(
                f"{path} holds tables that are not a dxdesk store; refusing to touch it."
            )
        return None
    if current not in SCHEMA_REVISIONS:
        raise SchemaTooNewError(
            f"The database {path} was written by a newer version of dxdesk "
            f"(schema {current}). Install that version or newer; this one will not "
            "touch the data."
        )
    return current


def upgrade(engine: Engine, path: Path, target: str = "head", *, key: bytes | None = None) -> None:
    current = check_schema(engine, path)
    goal = head_revision() if target == "head" else target
    if current == goal:
        return
    if current is not None:
        backup(engine, path, current, key=key)
    log.info("migrating %s from %s to %s", path, current, goal)
    from alembic import command  # noqa: PLC0415 (lazy: only when migrating)

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)


def export_encrypted(connection: Any, target: Path, key: bytes) -> None:
    """Write a consistent, encrypted copy of the open ``connection``'s database
    (plain or encrypted) to ``target``, which must not exist yet."""
    # Quoting: the path is ours (no user input), and ATTACH takes no parameters here.
    connection.execute(f"ATTACH DATABASE '{target}' AS export KEY \"x'{key.hex()}'\"")
    try:
        connection.execute("SELECT sqlcipher_export('export')")
        version = connection.execute("PRAGMA main.user_version").fetchone()[0]
        connection.execute(f"PRAGMA export.user_version = {int(version)}")
    finally:
        connection.execute("DETACH DATABASE export")


def backup(engine: Engine, path: Path, revision: str, *, key: bytes | None = None) -> Path:
    """Copy the whole store aside, consistently (and as encrypted as the store)."""
    folder = path.parent / "backups"
    folder.mkdir(exist_ok=True, mode=0o700)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}-schema-{revision}-{stamp}{path.suffix}"
    raw: Any = engine.raw_connection()
    try:
        if key is not None:
            export_encrypted(raw.driver_connection, target, key)
        else:
            import sqlcipher3  # noqa: PLC0415 (loaded by make_engine already)

            destination = sqlcipher3.connect(str(target))
            try:
                raw.driver_connection.backup(destination)
            finally:
                destination.close()
    finally:
        raw.close()
    target.chmod(0o600)
    for old in sorted(folder.glob(f"{path.stem}-schema-*"))[:-BACKUPS_KEPT]:
        old.unlink()
    log.info("backed up %s to %s before migrating", path, target)
    return target
