"""`login` once, `sync` later, on a machine with no secure keyring (headless Linux):
the token is kept inside the encrypted profile, never in a plain file."""

from __future__ import annotations

import os
from pathlib import Path

from dxdesk.identity.credentials import MemoryTokenStore
from sync import client_account
from sync.local_server import free_port
from tests.integration.cli_runner import Result, run
from tests.support.profiles import open_user_profile
from tests.support.server import DEMO_PASSWORD, RunningServer


def no_keyring(home: Path, *args: str, stdin: str | None = None) -> Result:
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    return run(home, "--lang", "en", *args, stdin=stdin, env=env)


def test_login_then_sync_later_without_a_keyring(server: RunningServer, tmp_path: Path) -> None:
    home = tmp_path / "officer"
    login = no_keyring(
        home, "login", "--server", server.url, "--user", "cb.bache", "--password-stdin",
        "--json", stdin=DEMO_PASSWORD,
    )  # fmt: skip
    assert login.code == 0, login.err
    assert "kept inside your encrypted data" in login.err
    assert login.json()["token_store"].startswith("the encrypted profile")

    # A later process: the password only opens the data (no login: `--password-stdin`
    # before the command), and the token kept in it is used. Before, this said "Login
    # needed: run dxdesk login", and logging in again looped.
    synced = no_keyring(home, "--password-stdin", "sync", "--json", stdin=DEMO_PASSWORD)
    assert synced.code == 0, synced.err
    assert synced.json()["pulled_tasks"] == 6

    # The token is in the encrypted profile, and in no file in readable form.
    profile = open_user_profile(home, DEMO_PASSWORD)
    try:
        with profile.db.session() as session:
            token = client_account.token_for(session, server.url, MemoryTokenStore())
    finally:
        profile.close()
    assert token
    for path in home.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path

    out = no_keyring(home, "logout", "--password-stdin", stdin=DEMO_PASSWORD)
    assert out.code == 0, out.err
    profile = open_user_profile(home, DEMO_PASSWORD)
    try:
        with profile.db.session() as session:
            assert client_account.token_for(session, server.url, MemoryTokenStore()) is None
    finally:
        profile.close()


def test_a_vietnamese_session_has_no_english_line_when_the_server_is_away(
    tmp_path: Path,
) -> None:
    home = tmp_path / "officer"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}  # fmt: skip
    nowhere = f"http://127.0.0.1:{free_port()}"
    login = run(home, "--lang", "vi", "login", "--server", nowhere, "--user", "cb.bache",
                "--password-stdin", stdin=DEMO_PASSWORD, env=env)  # fmt: skip
    assert login.code != 0
    assert "máy chủ" in login.err.lower()
    for english in ("Connection", "HTTPConnectionPool", "refused", "server", "Login"):
        assert english not in login.err, login.err
