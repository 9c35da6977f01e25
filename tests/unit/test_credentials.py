from __future__ import annotations

from pathlib import Path

import keyring.backend
import keyring.backends.fail
import pytest

from dxdesk.identity import credentials
from dxdesk.identity.credentials import KeyringTokenStore, MemoryTokenStore, account_name


class InMemoryKeyring(keyring.backend.KeyringBackend):
    """A secure-looking backend for tests: what the machine lacks, nothing more."""

    priority = 5

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.secrets:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.secrets[(service, username)]


class LockedKeyring(InMemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the login keyring is locked")


def test_a_secure_keyring_is_used_and_persists() -> None:
    backend = InMemoryKeyring()
    store = credentials.choose(backend)
    assert isinstance(store, KeyringTokenStore)
    assert store.persistent
    account = account_name("https://dx.quangninh.gov.vn/", "cb.bache")
    assert account == "cb.bache@https://dx.quangninh.gov.vn"
    store.put(account, "token-1")
    assert backend.secrets[("dxdesk", account)] == "token-1"
    assert credentials.choose(backend).get(account) == "token-1"
    store.delete(account)
    store.delete(account)  # twice is fine
    assert store.get(account) is None


def test_no_secure_keyring_means_memory_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = credentials.choose(keyring.backends.fail.Keyring())
    assert isinstance(store, MemoryTokenStore)
    assert not store.persistent
    assert "no secure keyring" in store.description
    assert "no secure keyring" in caplog.text


def test_plaintext_file_keyrings_are_not_trusted() -> None:
    plaintext = type("PlaintextKeyring", (InMemoryKeyring,), {"__module__": "keyrings.alt.file"})
    assert not credentials.is_secure(plaintext())
    assert isinstance(credentials.choose(plaintext()), MemoryTokenStore)


def test_a_locked_or_dead_keyring_falls_back_to_memory() -> None:
    assert isinstance(credentials.choose(LockedKeyring()), MemoryTokenStore)


def test_chainer_is_as_secure_as_its_best_backend() -> None:
    chain = type("Chainer", (), {"backends": [keyring.backends.fail.Keyring(), InMemoryKeyring()]})
    assert credentials.is_secure(chain())
    empty = type("Chainer", (), {"backends": []})
    assert not credentials.is_secure(empty())


def test_memory_store_writes_nothing_to_disk(tmp_path: Path) -> None:
    before = sorted(tmp_path.rglob("*"))
    store = MemoryTokenStore()
    store.put("a@b", "secret-token")
    assert store.get("a@b") == "secret-token"
    assert sorted(tmp_path.rglob("*")) == before
