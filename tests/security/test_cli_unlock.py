"""The headless command line against a real server: first login creates the
encrypted profile, later commands unlock offline, wrong passwords change nothing,
and nothing readable is left in the profile folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.cli_runner import keyring_env, run
from tests.support.server import DEMO_PASSWORD, RunningServer

SECRET = "Đã hoàn thành PLAINCHECK-5521 tại thôn Khe Mạ"


@pytest.mark.slow
def test_offline_unlock_wrong_password_and_no_plaintext_on_disk(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = keyring_env(home)
    keyring_file = Path(env["DXDESK_TEST_KEYRING_FILE"])
    server = RunningServer(tmp_path / "server").start()
    try:
        login = run(home, "--lang", "en", "login", "--server", server.url, "--user",
                    "cb.binhlieu", "--password-stdin", stdin=DEMO_PASSWORD, env=env)  # fmt: skip
        assert login.code == 0, login.err
        # The data key was not kept in the keyring (no --remember-key): the password opens.
        assert "data-key" not in keyring_file.read_text(encoding="utf-8")
        synced = run(home, "-v", "--password-stdin", "sync", "--json", stdin=DEMO_PASSWORD, env=env)
        assert synced.code == 0, synced.err
        tasks = run(home, "--password-stdin", "tasks", "--json", stdin=DEMO_PASSWORD, env=env)
        code = tasks.json()["tasks"][0]["code"]
        titles = [t["title"] for t in tasks.json()["tasks"]]
    finally:
        server.stop()

    # The server is gone: unlocking needs only the password.
    report = run(home, "--password-stdin", "report", code, "--progress", "60", "--summary",
                 SECRET, stdin=DEMO_PASSWORD, env=env)  # fmt: skip
    assert report.code == 0, report.err
    outbox = run(home, "--password-stdin", "outbox", "--json", stdin=DEMO_PASSWORD, env=env)
    assert outbox.code == 0, outbox.err
    assert [r["state"] for r in outbox.json()["items"]] == ["queued"]

    database = next((home / "data" / "users").glob("*/dxdesk.sqlite3"))
    before = database.read_bytes()
    wrong = run(home, "--lang", "en", "--password-stdin", "tasks", stdin="not it", env=env)
    assert wrong.code == 5
    assert wrong.err.startswith("dxdesk: Wrong password.")
    assert database.read_bytes() == before
    no_password = run(home, "--lang", "en", "tasks", env=env)  # stdin is not a terminal
    assert no_password.code == 5
    assert "is locked" in no_password.err

    token = json.loads(keyring_file.read_text(encoding="utf-8"))
    secrets = [SECRET, DEMO_PASSWORD, *titles, *token.values()]
    everything = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    for needle in secrets:
        assert needle.encode("utf-8") not in everything, needle[:30]


@pytest.mark.slow
def test_password_changed_on_the_server_rewraps_the_key_at_next_login(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = keyring_env(home)
    server = RunningServer(tmp_path / "server").start()
    try:
        login = ("login", "--server", server.url, "--user", "cb.binhlieu", "--password-stdin")
        assert run(home, *login, stdin=DEMO_PASSWORD, env=env).code == 0
        assert run(home, "--password-stdin", "sync", stdin=DEMO_PASSWORD, env=env).code == 0
        code = run(home, "--password-stdin", "tasks", "--json", stdin=DEMO_PASSWORD,
                   env=env).json()["tasks"][0]["code"]  # fmt: skip
        queued = run(home, "--password-stdin", "report", code, "--progress", "30", "--summary",
                     "Viết trước khi đổi mật khẩu", stdin=DEMO_PASSWORD, env=env)  # fmt: skip
        assert queued.code == 0, queued.err
        users = json.loads(server.admin("user", "list", "--json").stdout)
        me = next(u for u in users if u["username"] == "cb.binhlieu")
        new_password = "mat-khau-moi-2027"
        server.admin("user", "add", "cb.binhlieu", "--role", "officer", "--unit", me["unit_code"],
                     "--replace", "--password-stdin", stdin=new_password)  # fmt: skip

        # The server accepts the new password, but it does not open the local data yet.
        refused = run(home, "--lang", "en", *login, stdin=new_password, env=env)
        assert refused.code == 5
        assert "previous password" in refused.err
        rewrapped = run(home, *login, "--password-changed",
                        stdin=f"{new_password}\n{DEMO_PASSWORD}\n", env=env)  # fmt: skip
        assert rewrapped.code == 0, rewrapped.err

        old = run(home, "--password-stdin", "outbox", stdin=DEMO_PASSWORD, env=env)
        assert old.code == 5
        synced = run(home, "--password-stdin", "sync", "--json", stdin=new_password, env=env)
        assert synced.code == 0, synced.err
        assert synced.json()["accepted"] == 1  # the report written before the change
    finally:
        server.stop()
