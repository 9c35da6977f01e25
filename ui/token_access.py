"""The token store (OS keyring, or memory when there is none), found once.

Finding the keyring imports its backends and may wake a daemon, so it is never
done on the GUI thread before the first window: whichever background job needs
it first looks it up, and everyone after shares the answer.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ui.warmup import importing

if TYPE_CHECKING:  # importing it would import keyring: only the lookup may
    from dxdesk.identity.credentials import TokenStore


class Tokens:
    def __init__(self, store: TokenStore | None = None) -> None:
        self._store = store
        self._lock = threading.Lock()

    def get(self) -> TokenStore:
        with self._lock:
            if self._store is None:
                from dxdesk.identity import credentials  # noqa: PLC0415 (keyring: off the GUI thread)

                with importing():  # finding the keyring imports its backends
                    self._store = credentials.choose()
            return self._store

    @property
    def known(self) -> TokenStore | None:
        """The store if it was looked up already (never blocks)."""
        return self._store
