"""A keyring backend for tests only: the machine has no Secret Service by default.

Tests that run the ``dxdesk`` command in several processes need the login of one
to be seen by the next, as the OS keyring would. Selected with
``PYTHON_KEYRING_BACKEND=tests.support.file_keyring.FileKeyring``; never shipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend

FILE_ENV = "DXDESK_TEST_KEYRING_FILE"


class FileKeyring(KeyringBackend):
    priority = 1

    def _path(self) -> Path:
        return Path(os.environ[FILE_ENV])

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x00{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\x00{username}"] = password
        self._path().write_text(json.dumps(data), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}\x00{username}", None)
        self._path().write_text(json.dumps(data), encoding="utf-8")


def file_keyring() -> FileKeyring:
    """One, made where an untyped call is allowed (keyring's constructor is untyped)."""
    return FileKeyring()
