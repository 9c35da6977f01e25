"""Moving the unencrypted store of earlier versions into its owner's encrypted folder.

Earlier dxdesk kept one plain SQLite file and plain attachment copies in ``data/``.
The first time their owner unlocks, everything is copied, encrypted, into the
owner's folder, and only then are the plain files deleted. A power cut at any
moment loses nothing:

1. the store is exported, encrypted, to ``dxdesk.sqlite3.migrating`` and every
   attachment is re-stored encrypted (both can be redone from scratch);
2. a marker file says the copy is complete, then the copy is renamed into place
   (the commit point: before it the plain store is still the only truth);
3. the plain files are deleted, then the marker.

A start that finds the marker and the renamed copy only finishes step 3.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import sqlcipher3

from dxdesk.identity.users import UnlockedUser
from dxdesk.paths import Paths
from dxdesk.store.attachment_store import AttachmentStore
from dxdesk.store.db import export_encrypted, is_plain_sqlite

log = logging.getLogger(__name__)

MARKER = "legacy-migration-done"
OWNER_KEY = "account.username"


def legacy_owner(database: Path) -> str | None:
    """Who logged in on the old store, if anyone (read only, never written)."""
    # Not read-only: a store left with a WAL needs it replayed to be read correctly.
    try:
        conn = sqlcipher3.connect(str(database))  # no key: plain SQLite
        try:
            row = conn.execute(
                "SELECT value FROM sync_state WHERE key = ?", (OWNER_KEY,)
            ).fetchone()
        finally:
            conn.close()
    except sqlcipher3.Error:
        return None
    return str(row[0]) if row else None


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # Windows cannot open a folder for fsync; NTFS journals renames
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def pending(paths: Paths, unlocked: UnlockedUser) -> bool:
    """True when there is a plain store this user should take over (or finish)."""
    if (unlocked.folder.root / MARKER).exists():
        return True
    if not paths.database.exists() or not is_plain_sqlite(paths.database):
        return False
    if unlocked.folder.database.exists():
        return False  # this user already has an encrypted store; the old one is not theirs
    owner = legacy_owner(paths.database)
    return owner in (None, unlocked.user.username)


def migrate(paths: Paths, unlocked: UnlockedUser) -> bool:
    """Take over the plain store if it is this user's; True when something moved."""
    if not pending(paths, unlocked):
        return False
    folder = unlocked.folder.ensure()
    marker = folder.root / MARKER
    if not (marker.exists() and folder.database.exists()):
        _copy_encrypted(paths, unlocked)
        marker.write_text("copied\n", encoding="utf-8")
        _fsync(marker)
        os.replace(_staging(unlocked), folder.database)
        _fsync_dir(folder.root)
        log.info("migrated the unencrypted store into %s", folder.root)
    _delete_plain(paths)
    marker.unlink()
    _fsync_dir(folder.root)
    return True


def _staging(unlocked: UnlockedUser) -> Path:
    return unlocked.folder.database.with_name(unlocked.folder.database.name + ".migrating")


def _copy_encrypted(paths: Paths, unlocked: UnlockedUser) -> None:
    staging = _staging(unlocked)
    staging.unlink(missing_ok=True)
    # sqlcipher3 without a key reads plain SQLite; the export writes it encrypted.
    source = sqlcipher3.connect(str(paths.database))
    try:
        export_encrypted(source, staging, unlocked.data_key)
    finally:
        source.close()
    _fsync(staging)
    encrypted = AttachmentStore(unlocked.folder.attachments, unlocked.data_key)
    for path in sorted(paths.attachments.glob("??/*")):
        if path.name.startswith("."):
            continue
        blob = encrypted.put(path)
        if blob.sha256 != path.name:
            # Kept anyway (under its real hash): a damaged copy is still evidence.
            log.warning("attachment %s had changed on disk (now %s)", path.name, blob.sha256)


def _delete_plain(paths: Paths) -> None:
    """The plain copies go once the encrypted one is in place (backups included:
    they are plain too)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{paths.database}{suffix}").unlink(missing_ok=True)
    for folder in (paths.attachments, paths.backups):
        if folder.exists():
            shutil.rmtree(folder)
    _fsync_dir(paths.data)
