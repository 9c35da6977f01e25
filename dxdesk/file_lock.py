"""An exclusive lock on a file: the kernel's (``flock``), so a crashed holder leaves
none behind. Where there is no ``flock`` (Windows) it is not taken."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def flocked(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Yields True with ``path`` locked (made if missing); False at once, without the
    lock, when ``wait`` is off and another process holds it."""
    if os.name != "posix":
        yield True
        return
    import fcntl  # noqa: PLC0415 (POSIX only)

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock
