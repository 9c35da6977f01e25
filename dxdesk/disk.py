"""When this computer cannot store what dxdesk writes: a full disk, a read-only
or not permitted folder. Named as such, with their own exit code, so that the
officer frees space or asks for the folder to be fixed, instead of reading
"unexpected error" or "cannot read the attachment"."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dxdesk.errors import StorageError
from dxdesk.messages import Message

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EROFS}
_DENIED = {errno.EACCES, errno.EPERM}


class DiskError(StorageError):
    """Nothing was changed; the command may simply be run again once fixed."""

    exit_code = 6


def disk_error(exc: OSError, where: Path) -> DiskError | None:
    """The plain-words error for ``exc`` met while writing under ``where``, or None
    when it is another failure (a damaged disk, a file gone)."""
    folder = Path(exc.filename) if exc.filename else where
    if exc.errno in _FULL:
        code = "disk_full"
    elif exc.errno in _READ_ONLY:
        code = "folder_read_only"
    elif exc.errno in _DENIED:
        code = "folder_not_permitted"
    else:
        return None
    message = Message(code, {"path": str(folder)})
    return DiskError(message.text("en"), message)


def sqlite_disk_error(exc: BaseException, where: Path) -> DiskError | None:
    """The same for SQLite, which reports these as text, not as an errno."""
    text = str(exc).lower()
    if "database or disk is full" in text:
        return disk_error(OSError(errno.ENOSPC, "disk full", str(where)), where)
    if "readonly database" in text:
        return disk_error(OSError(errno.EROFS, "read-only", str(where)), where)
    return None


@contextmanager
def writing(where: Path) -> Iterator[None]:
    """Turn a full disk or a folder that cannot be written into :class:`DiskError`."""
    try:
        yield
    except OSError as exc:
        named = disk_error(exc, where)
        if named is None:
            raise
        raise named from exc


def check_writable(folder: Path) -> None:
    """Raise :class:`DiskError` unless a file can be created in ``folder``: said
    before a command starts, rather than half-way through it."""
    with writing(folder):
        fd, name = tempfile.mkstemp(dir=folder, prefix=".write-check-")
        os.close(fd)
        os.unlink(name)
