"""Importing the heavy core behind the lock screen while the user types.

The store (SQLAlchemy, SQLModel, pydantic), the server client (requests) and the
sync engine take most of a second to import on an old PC. The first window needs
none of them, so they load on a pool thread once it is painted; by the time the
password is typed, opening the data costs only the unlock itself.

Imports after the first window go through :func:`importing`, one thread at a
time: two threads importing the same package at once can see it half initialised
(seen with pydantic under PySide6's import hook: "partially initialized module").
Only Qt-free modules are listed here; Qt classes are defined on the GUI thread.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HEAVY = (
    "dxdesk.profile",  # the store: SQLAlchemy, SQLModel, SQLCipher, the models
    "dxdesk.reports",
    "dxdesk.tasks",
    "dxdesk.audit",
    "sync.session",  # the server client: its pydantic schemas (requests comes with a Transport)
    "sync.engine",
    "sync.scheduler",
)

_lock = threading.RLock()
_done = threading.Event()  # every one of HEAVY is imported, whole


@contextmanager
def importing() -> Iterator[None]:
    with _lock:
        yield


def done() -> bool:
    """Every one of :data:`HEAVY` is imported: what still needs importing is light."""
    return _done.is_set()


def warm_up() -> int:
    """Import :data:`HEAVY` (at once if it is done); returns how many were new.

    Once done it returns without the lock: an unlock on the runner must not wait
    while the GUI thread imports the main window's modules (see ``ui.shell``)."""
    if _done.is_set():
        return 0
    fresh = 0
    with importing():
        for name in HEAVY:
            if name not in sys.modules:
                fresh += 1
                importlib.import_module(name)
        _done.set()
    return fresh
