"""When a missing store is a first start and when it is a loss (issue 15, item 13),
and a damaged page found by a query long after the store was opened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from dxdesk.errors import StorageError
from dxdesk.identity import users
from dxdesk.identity.vault import STORE_MADE, Vault
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from dxdesk.store.db import make_engine
from tests.support.profiles import FAST_KDF

USER = users.KnownUser("officer", "local")
PASSWORD = "correct horse"


def _enroll(home: Path) -> tuple[Paths, users.UnlockedUser]:
    paths = Paths.under(home)
    return paths, users.enroll(paths, USER, PASSWORD, params=FAST_KDF)


def test_a_key_made_just_before_a_power_cut_still_gets_its_first_store(tmp_path: Path) -> None:
    paths, unlocked = _enroll(tmp_path / "home")  # the key file, and no store yet
    vault = Vault(unlocked.folder.root)
    assert vault.store_made() is False
    assert not unlocked.folder.database.exists()
    again = users.unlock(paths, unlocked.user, PASSWORD)  # the next start, after the cut
    open_profile(paths, user=again).close()
    assert vault.store_made() is True
    unlocked.folder.database.unlink()
    with pytest.raises(StorageError) as refused:
        open_profile(paths, user=again)
    assert refused.value.exit_code == 4
    assert "is missing or empty" in refused.value.render("en")
    assert not unlocked.folder.database.exists()


def test_a_key_file_of_an_earlier_version_proves_the_store_existed(tmp_path: Path) -> None:
    paths, unlocked = _enroll(tmp_path / "home")
    open_profile(paths, user=unlocked).close()
    key_file = Vault(unlocked.folder.root).key_file
    payload = json.loads(key_file.read_text(encoding="utf-8"))
    del payload[STORE_MADE]  # as written before the mark existed
    key_file.write_text(json.dumps(payload), encoding="utf-8")
    unlocked.folder.database.write_bytes(b"")
    with pytest.raises(StorageError, match="is missing or empty"):
        open_profile(paths, user=unlocked)


def test_a_new_password_keeps_the_mark(tmp_path: Path) -> None:
    paths, unlocked = _enroll(tmp_path / "home")
    open_profile(paths, user=unlocked).close()
    vault = Vault(unlocked.folder.root, params=FAST_KDF)
    vault.rewrap(unlocked.data_key, "a new password")
    assert vault.store_made() is True
    assert vault.unlock("a new password") == unlocked.data_key


def test_a_damaged_page_read_long_after_opening_is_the_damaged_store_error(
    tmp_path: Path,
) -> None:
    paths, unlocked = _enroll(tmp_path / "home")
    open_profile(paths, user=unlocked).close()
    store = unlocked.folder.database
    data = bytearray(store.read_bytes())
    data[-100] ^= 0xFF
    store.write_bytes(bytes(data))
    engine = make_engine(store, unlocked.data_key)  # opened without the check at unlock
    try:
        with pytest.raises(StorageError) as refused, engine.connect() as conn:
            conn.execute(text("PRAGMA quick_check")).fetchall()  # reads every b-tree page
    finally:
        engine.dispose()
    assert refused.value.exit_code == 4
    assert refused.value.render("en").startswith(f"The store {store} is damaged (")


def test_a_key_kept_in_the_keyring_still_opens_the_store_without_its_key_file(
    tmp_path: Path,
) -> None:
    paths, unlocked = _enroll(tmp_path / "home")
    open_profile(paths, user=unlocked).close()
    Vault(unlocked.folder.root).key_file.unlink()  # the key is in the keyring
    open_profile(paths, user=unlocked).close()
    unlocked.folder.database.unlink()
    with pytest.raises(StorageError, match="is missing or empty"):  # never a guess at a first start
        open_profile(paths, user=unlocked)
