"""One lock file says "a sync is running": an update is installed only when it is free.

A sync round holds it (``sync.session``); installing an update takes it without
waiting, so an install never cuts a round in flight (whose acknowledgements would
then arrive to nobody) and no round starts while the program is being replaced.
The lock is the kernel's (``flock``): a crashed process leaves none behind. On
Windows, where ``flock`` does not exist, it is not taken (documented in docs/cli.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from dxdesk.file_lock import flocked

LOCK_NAME = "sync.lock"


@contextlib.contextmanager
def held(data_dir: Path, *, wait: bool = True) -> Iterator[bool]:
    """Yields True with the lock held; False (without waiting) when ``wait`` is off
    and another process holds it."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with flocked(data_dir / LOCK_NAME, wait=wait) as held:
        yield held
