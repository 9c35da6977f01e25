"""The local profile under hostile conditions: a broken keyring, a permissive
umask, a read-only home, a full disk. Each runs the installed ``dxdesk`` command."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli_runner import keyring_env, run
from tests.support.file_keyring import FILE_ENV

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


# -- a read-only home, a full disk: real file systems, mounted for the test -------


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


def _umount(where: Path) -> None:
    subprocess.run(["umount", str(where)], capture_output=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB file system of its own (tmpfs): filling it fills nothing else."""
    where = tmp_path / "disk"
    where.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(where)):
        pytest.skip("a small file system needs root and mount(8) (tmpfs); not available here")
    yield where
    _umount(where)


def read_only(folder: Path) -> None:
    """``folder`` becomes a read-only mount of itself (root ignores chmod)."""
    if not (_mount("--bind", str(folder), str(folder))):
        pytest.skip("a read-only folder needs root and mount(8) (bind mount); not available")
    if not _mount("-o", "remount,bind,ro", str(folder)):
        _umount(folder)
        pytest.skip("cannot remount read-only here")


def fill(disk: Path, leave: int) -> None:
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    with (disk / "filler").open("wb") as handle:
        handle.write(b"\0" * max(0, free - leave))


def attachment_copies(home: Path) -> list[Path]:
    return [p for p in (home / "data" / "users").rglob("attachments/**/*") if p.is_file()]


def test_a_full_disk_is_named_and_the_failed_report_leaves_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    home = small_disk / "home"
    env = keyring_env(home)
    env[FILE_ENV] = str(tmp_path / "keyring.json")  # the keyring is not on the full disk
    assert run(home, "demo", "--local", env=env).code == 0
    before = run(home, "outbox", "--json", env=env).json()["count"]
    small = tmp_path / "anh-nho.jpg"
    small.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(200_000))
    large = tmp_path / "anh-lon.jpg"
    large.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(1_500_000))
    fill(small_disk, leave=600_000)

    result = run(
        home, "--lang", "en", "report", "NV-2026-003", "--progress", "50", "--summary", "Ảnh",
        "--attach", str(small), "--attach", str(large), env=env,
    )  # fmt: skip
    assert result.code == 6, result.err
    assert "Logging error" not in result.err
    (line,) = result.err.strip().splitlines()
    assert "disk" in line and "is full" in line and "cannot read" not in line
    # Nothing written: no draft, no copy of the first attachment, no temporary file.
    assert run(home, "outbox", "--json", env=env).json()["count"] == before
    assert attachment_copies(home) == []
    vietnamese = run(
        home, "--lang", "vi", "report", "NV-2026-003", "--progress", "50", "--summary", "Ảnh",
        "--attach", str(large), env=env,
    )  # fmt: skip
    assert vietnamese.code == 6
    assert "đã đầy" in vietnamese.err
    # Space freed: the same command works.
    (small_disk / "filler").unlink()
    done = run(
        home, "report", "NV-2026-003", "--progress", "50", "--summary", "Ảnh",
        "--attach", str(small), "--attach", str(large), env=env,
    )  # fmt: skip
    assert done.code == 0, done.err
    assert len(attachment_copies(home)) == 2


def test_a_read_only_home_is_named_with_its_own_exit_code(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "demo", "--local").code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    read_only(home)
    read_only(empty)
    try:
        for where in (home, empty / "new-home"):  # a profile, and none yet
            for command in (["tasks"], ["--lang", "en", "outbox"]):
                result = run(where, *command, env=keyring_env(home))
                assert result.code == 6, (where, command, result.err)
                assert "Logging error" not in result.err
                (line,) = result.err.strip().splitlines()
                assert "chỉ đọc" in line or "read-only" in line, line
    finally:
        _umount(home)
        _umount(empty)
