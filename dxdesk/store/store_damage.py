"""What to say when a user's store is damaged, or missing although it existed.

Starting afresh in either case would make the queued reports vanish without a word
(and a new device key be made), so the store is refused instead, with the way
back: the newest backup dxdesk made before a migration, in the store's
``backups`` folder, which opens with the same key.
"""

from __future__ import annotations

from pathlib import Path

from dxdesk.errors import StorageError
from dxdesk.messages import Message


def backups_folder(store: Path) -> Path:
    return store.parent / "backups"


def newest_backup(store: Path) -> Path | None:
    """The newest copy made by :func:`dxdesk.store.db.backup` (their names sort by time)."""
    folder = backups_folder(store)
    try:
        found = sorted(folder.glob(f"{store.stem}-schema-*{store.suffix}"))
    except OSError:
        return None
    return found[-1] if found else None


def _refusal(code: str, store: Path, **params: object) -> StorageError:
    backup = newest_backup(store)
    values = {"path": str(store), "backups": str(backups_folder(store)), **params}
    if backup is not None:
        code, values["backup"] = f"{code}_backup", str(backup)
    message = Message(code, values)
    return StorageError(message.text("en"), message)


def damaged(store: Path, detail: str) -> StorageError:
    return _refusal("store_damaged", store, detail=detail)


def lost(store: Path, key_file: Path) -> StorageError:
    return _refusal("store_lost", store, key_file=str(key_file))


def is_missing_or_empty(store: Path) -> bool:
    try:
        return store.stat().st_size == 0
    except FileNotFoundError:
        return True
