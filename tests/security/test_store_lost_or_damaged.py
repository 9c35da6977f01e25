"""A user's store that vanished, was emptied, or has a damaged page, through the
real ``dxdesk`` command (issue 15, item 13): never silently started afresh (the
queued reports would vanish and a new device key be made), always the damaged-store
exit code 4 with a sentence that points to the backups folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.integration.cli_runner import Result, run

EXIT_STORE = 4


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The offline demo officer with one report waiting to be sent."""
    home = tmp_path / "home"
    assert run(home, "demo", "--local", "--json").code == 0
    code = run(home, "tasks", "--json").json()["tasks"][0]["code"]
    made = run(home, "report", code, "--progress", "40", "--summary", "Chờ gửi", "--json")
    assert made.code == 0, made.err
    return home


def _store(home: Path) -> Path:
    return next((home / "data" / "users").glob("*/dxdesk.sqlite3"))


def _refused(result: Result, *words: str) -> str:
    assert result.code == EXIT_STORE, (result.code, result.out, result.err)
    line = result.err.strip()
    assert line.startswith("dxdesk: ") and "\n" not in line, result.err
    for word in words:
        assert word in line, line
    return line


def test_an_emptied_or_deleted_store_is_refused_not_started_afresh(home: Path) -> None:
    store = _store(home)
    key_file = store.with_name("key.json")
    key_before = key_file.read_bytes()
    store.write_bytes(b"")  # what a power cut during a copy, or a cleaner, leaves
    for command in (("outbox",), ("sync",), ("tasks",), ("demo", "--local")):
        line = _refused(run(home, "--lang", "en", *command), f"The store {store} is missing")
        assert f"{key_file} shows this user had one" in line
        assert f"no backup in {store.parent / 'backups'}" in line
    assert store.stat().st_size == 0  # nothing was created over it
    assert key_file.read_bytes() == key_before
    store.unlink()
    _refused(run(home, "--lang", "vi", "outbox"), f"Không thấy dữ liệu {store}")
    assert not store.exists()


def test_the_refusal_names_the_newest_backup_and_restoring_it_brings_the_reports_back(
    home: Path,
) -> None:
    store = _store(home)
    backups = store.parent / "backups"
    backups.mkdir()
    older = backups / "dxdesk-schema-0003-20261101T000000000000Z.sqlite3"
    newest = backups / "dxdesk-schema-0004-20261130T000000000000Z.sqlite3"
    older.write_bytes(b"an older copy")
    shutil.copyfile(store, newest)
    store.unlink()
    _refused(run(home, "--lang", "en", "outbox"), f"The newest backup is {newest}: copy it to")
    shutil.copyfile(newest, store)
    outbox = run(home, "outbox", "--json")
    assert outbox.code == 0, outbox.err
    assert [item["state"] for item in outbox.json()["items"]] == ["queued"]


def test_a_byte_flipped_in_the_last_page_is_the_damaged_store_message(home: Path) -> None:
    store = _store(home)
    data = bytearray(store.read_bytes())
    data[-100] ^= 0xFF
    store.write_bytes(bytes(data))
    for command in (("outbox",), ("tasks",), ("sync",)):
        line = _refused(run(home, "--lang", "en", *command), f"The store {store} is damaged")
        assert "HMAC" in line and f"no backup in {store.parent / 'backups'}" in line
        assert "Unexpected error" not in line
    _refused(run(home, "--lang", "vi", "tasks"), f"Dữ liệu {store} bị hỏng")
    assert store.read_bytes() == bytes(data)
