"""The PostgreSQL the server tests start is whichever the distribution installed under
/usr/lib/postgresql: 15 on Debian 12, 16 on Ubuntu 24.04; the newest when several are."""

from __future__ import annotations

from pathlib import Path

from tests.support.postgres import pg_bin


def installed(root: Path, *versions: str) -> None:
    for version in versions:
        folder = root / version / "bin"
        folder.mkdir(parents=True)
        (folder / "initdb").write_text("")
        (folder / "pg_ctl").write_text("")


def test_ubuntus_postgresql_16_is_found(tmp_path: Path) -> None:
    installed(tmp_path, "16")
    assert pg_bin(tmp_path) == tmp_path / "16" / "bin"


def test_the_newest_by_number_is_taken(tmp_path: Path) -> None:
    installed(tmp_path, "9.6", "15", "16")
    assert pg_bin(tmp_path) == tmp_path / "16" / "bin"


def test_a_folder_without_initdb_and_pg_ctl_is_passed_over(tmp_path: Path) -> None:
    installed(tmp_path, "15")
    (tmp_path / "17" / "bin").mkdir(parents=True)  # only the client package
    assert pg_bin(tmp_path) == tmp_path / "15" / "bin"
