"""Files at paths someone else may have prepared: a USB stick, a shared folder.

A stick can hold a link named like the file we are asked to read or write (to the
server's key, to a user's store), a named pipe that blocks a reader for ever, a
device, or a file far larger than any bundle. Each is refused with a sentence that
names the path; only an ordinary file, reached without following a link at its
last component, is read, and never more than the caller's limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dxdesk.errors import UnsafeFileError
from dxdesk.messages import Message

# O_NONBLOCK: opening a named pipe returns at once (then fstat refuses it) instead of
# waiting for a writer that never comes. It changes nothing for an ordinary file.
_OPEN = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
MB = 1024 * 1024


def _refuse(code: str, path: Path, **params: object) -> UnsafeFileError:
    message = Message(code, {"path": str(path), **params})
    return UnsafeFileError(message.text("en"), message)


def refuse_unsafe_target(path: Path) -> None:
    """Refuse to replace ``path`` when it is a link or not an ordinary file (a missing
    file is fine: it will be created)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise _refuse("file_is_link", path)
    if not stat.S_ISREG(info.st_mode):
        raise _refuse("file_not_regular", path)


def read_untrusted(path: Path, limit: int) -> bytes:
    """The bytes of the ordinary file ``path``, at most ``limit`` of them.

    Raises :class:`UnsafeFileError` for a link, anything but an ordinary file, or a
    file over ``limit`` bytes; ``OSError`` when it cannot be read at all."""
    if path.is_symlink():  # where the OS has no O_NOFOLLOW (Windows)
        raise _refuse("file_is_link", path)
    try:
        fd = os.open(path, _OPEN)
    except OSError as exc:
        if path.is_symlink():  # ELOOP from O_NOFOLLOW: a link appeared since the check
            raise _refuse("file_is_link", path) from exc
        raise
    info = os.fstat(fd)  # of what was opened, not of what the name points to now
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise _refuse("file_not_regular", path)
    if info.st_size > limit:
        os.close(fd)
        raise _refuse("file_too_large", path, size_mb=info.st_size // MB, limit_mb=limit // MB)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew while we read
        raise _refuse("file_too_large", path, size_mb=len(data) // MB, limit_mb=limit // MB)
    return data
