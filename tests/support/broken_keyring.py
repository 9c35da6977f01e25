"""A keyring backend that claims to be secure and fails at every call: a dead
Secret Service daemon, a misconfigured Credential Manager. Tests only."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError


class RaisingKeyring(KeyringBackend):
    priority = 5

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("the keyring daemon does not answer")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("the keyring daemon does not answer")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringError("the keyring daemon does not answer")
