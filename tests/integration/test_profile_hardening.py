"""The local profile under hostile conditions: a broken keyring, a permissive
umask, a read-only home, a full disk. Each runs the installed ``dxdesk`` command."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli_runner import keyring_env, run

DEMO_PASSWORD = "demo"


def memory_warnings(home: Path) -> list[str]:
    log = (home / "logs" / "dxdesk.log").read_text(encoding="utf-8")
    return [line for line in log.splitlines() if "token store: memory" in line]


@pytest.mark.parametrize(
    "backend",
    [
        "nonexistent_keyring_module.Missing",  # PYTHON_KEYRING_BACKEND naming no class
        "tests.support.broken_keyring.RaisingKeyring",  # raises on every call
    ],
)
def test_a_broken_keyring_falls_back_to_memory_and_says_so_once(
    tmp_path: Path, backend: str
) -> None:
    home = tmp_path / "home"
    env = {**keyring_env(home), "PYTHON_KEYRING_BACKEND": backend}
    created = run(home, "demo", "--local", "--json", env=env)
    assert created.code == 0, created.err
    assert created.json()["loaded"] == 30
    assert len(memory_warnings(home)) == 1
    # Without a keyring the key is not remembered: the password opens the data.
    listed = run(home, "--password-stdin", "tasks", "--json", stdin=DEMO_PASSWORD + "\n", env=env)
    assert listed.code == 0, listed.err
    assert listed.json()["count"] == 30
    assert len(memory_warnings(home)) == 2  # once per command, not at every look-up
    locked = run(home, "tasks", env=env)
    assert locked.code == 5, locked.err  # asks for the password, as documented


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual Linux default; the command inherits it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def modes(home: Path) -> dict[str, int]:
    return {
        str(path.relative_to(home)): stat.S_IMODE(path.stat().st_mode)
        for path in sorted(home.rglob("*"))
    }


@pytest.mark.usefixtures("umask_022")
def test_every_folder_and_file_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    home = tmp_path / "home"
    # What an earlier version left: a users folder and a log readable by all.
    (home / "data" / "users").mkdir(parents=True, mode=0o755)
    (home / "logs").mkdir(mode=0o700)
    (home / "logs" / "dxdesk.log").write_text("old line\n")
    (home / "logs" / "dxdesk.log").chmod(0o644)
    assert run(home, "demo", "--local").code == 0
    assert run(home, "tasks").code == 0
    found = modes(home)
    for name in ("data", "data/users", "logs", "config", "cache"):
        assert found[name] == 0o700, name
    assert found["logs/dxdesk.log"] == 0o600
    assert "old line" in (home / "logs" / "dxdesk.log").read_text()
    wrong = {
        name: oct(mode)
        for name, mode in found.items()
        if mode != (0o700 if (home / name).is_dir() else 0o600)
    }
    assert wrong == {}
