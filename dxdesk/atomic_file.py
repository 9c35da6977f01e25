"""Writing a file whole or not at all, without following links.

Power cuts and USB sticks pulled out mid-write are ordinary here: a file is written
beside its target, flushed to disk, then renamed over it, so a reader finds the old
file or the new one, never half of one.

The target is often on a stick someone else prepared, so nothing placed there is
trusted: the temporary file has a random name and is created exclusively (a link
or file already under that name is never opened, let alone truncated), and a
target that is a link or not an ordinary file is refused rather than replaced.
"""

from __future__ import annotations

import os
from pathlib import Path

from dxdesk.untrusted_files import refuse_unsafe_target

# O_NOFOLLOW and O_BINARY exist only on some systems; O_EXCL alone already refuses
# a link at the final component, O_NOFOLLOW says so twice where the OS can.
_CREATE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_NAME_TRIES = 8


def _create_temporary(path: Path, mode: int) -> tuple[Path, int]:
    for _ in range(_NAME_TRIES):
        tmp = path.with_name(f".{path.name}.{os.urandom(8).hex()}.tmp")
        try:
            return tmp, os.open(tmp, _CREATE, mode)
        except FileExistsError:
            continue  # 64 random bits taken: someone is guessing; another name
    raise FileExistsError(f"no free temporary name beside {path}")


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data``; new files are readable by the owner only.

    Raises :class:`dxdesk.errors.UnsafeFileError` when ``path`` is a link or not an
    ordinary file; nothing is written then."""
    refuse_unsafe_target(path)
    tmp, fd = _create_temporary(path, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # rename() replaces the name itself and never writes through a link; the
        # check above is for the person who chose the path, so it is said, not done.
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sync_directory(folder: Path) -> None:
    """Make the names in ``folder`` (a rename, a new file) survive a power cut."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
