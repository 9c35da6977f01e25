"""One key per device: logging in again registers the key the profile already
signs with, instead of a new one each time (the server's table grew by a row per
login, and every report was checked against each of them)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.server import DEMO_PASSWORD, RunningServer
from tests.sync.conftest import Client


def _keys_of(server: RunningServer, username: str) -> list[tuple[str, str]]:
    path = server.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT device.device_id, device.public_key FROM device "
            "JOIN user_account ON user_account.id = device.user_id "
            "WHERE user_account.username = ?",
            (username,),
        ).fetchall()
    return [(str(d), str(k)) for d, k in rows]


def _login(client: Client, server: RunningServer, user: str, *extra: str) -> None:
    result = client("login", "--server", server.url, "--user", user, "--password-stdin", *extra,
                    stdin=DEMO_PASSWORD)  # fmt: skip
    assert result.code == 0, result.err


def test_logging_in_again_keeps_the_devices_one_key(server: RunningServer, tmp_path: Path) -> None:
    client = Client(tmp_path / "client", tmp_path / "keyring.json")
    user = "cb.hoanhmo"
    _login(client, server, user)  # the profile's key is made and registered
    first = _keys_of(server, user)
    assert len(first) == 1
    _login(client, server, user)  # the password opens the profile: its key again
    _login(client, server, user, "--remember-key")
    _login(client, server, user)  # the keyring opens it
    assert _keys_of(server, user) == first

    # And that key signs what the device sends.
    assert client("sync", "--password-stdin", stdin=DEMO_PASSWORD).code == 0
    code = client("tasks", "--json").json()["tasks"][0]["code"]
    assert client("report", code, "--progress", "10", "--summary", "Bắt đầu").code == 0
    sent = client("sync", "--json").json()
    assert (sent["accepted"], sent["rejected"]) == (1, 0)
