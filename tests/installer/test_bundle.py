"""Build the Linux installers from this checkout and use the frozen program for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.support.server import DEMO_PASSWORD, RunningServer

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "installer" / "build.py"
SITE = "Tỉnh Quảng Ninh (thử nghiệm)"


def clean_env() -> dict[str, str]:
    # The frozen app must stand alone: no test keyring, no source tree on the path.
    drop = {"PYTHON_KEYRING_BACKEND", "PYTHONPATH", "DXDESK_HOME", "VIRTUAL_ENV"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def test_a_bad_profile_stops_the_build_before_anything_is_frozen(tmp_path: Path) -> None:
    profile = tmp_path / "site.toml"
    profile.write_text("site_name = 'X'\nserver_url = 'http://dx.quangninh.gov.vn'\n")
    proc = subprocess.run(
        [sys.executable, str(BUILD), "--profile", str(profile), "--dist", str(tmp_path / "d")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "plain http://" in proc.stderr
    assert not (tmp_path / "d").exists()


# The build alone may take 900 s (its own limit) on a busy machine; then the smoke run.
@pytest.mark.timeout(1200)
@pytest.mark.slow
def test_frozen_build_reports_to_the_baked_in_server(tmp_path: Path) -> None:
    server = RunningServer(tmp_path / "server").start()
    try:
        profile = tmp_path / "site.toml"
        profile.write_text(f'site_name = "{SITE}"\nserver_url = "{server.url}"\n', "utf-8")
        dist = tmp_path / "dist"
        build = subprocess.run(
            [sys.executable, str(BUILD), "--profile", str(profile), "--dist", str(dist),
             "--fast-compression"],
            capture_output=True, text=True, timeout=900, check=False, cwd=REPO,
        )  # fmt: skip
        assert build.returncode == 0, build.stderr[-3000:]
        program = dist / "dxdesk" / "dxdesk"

        def frozen(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
            home = tmp_path / "officer"
            return subprocess.run(
                [str(program), "--home", str(home), "--lang", "en", *args],
                input=stdin, capture_output=True, text=True, timeout=120, check=False,
                env=clean_env(),
            )  # fmt: skip

        version = frozen("--version")
        assert version.returncode == 0
        assert SITE in version.stdout and server.url in version.stdout

        # No --server: the address baked into the build is in effect.
        login = frozen("login", "--user", "cb.bache", "--password-stdin", stdin=DEMO_PASSWORD)
        assert login.returncode == 0, login.stderr
        pulled = frozen("sync", "--json", "--password-stdin", stdin=DEMO_PASSWORD)
        assert pulled.returncode == 0, pulled.stderr
        assert json.loads(pulled.stdout)["pulled_tasks"] == 6
        # No keyring here: each command unlocks the encrypted profile with the password.
        listed = frozen("--password-stdin", "tasks", "--json", stdin=DEMO_PASSWORD)
        assert listed.returncode == 0, listed.stderr
        tasks = json.loads(listed.stdout)["tasks"]
        made = frozen(
            "--password-stdin", "report", tasks[0]["code"], "--progress", "45", "--summary",
            "Đã báo cáo từ bản cài đặt", "--json", stdin=DEMO_PASSWORD,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        sent = frozen("sync", "--json", "--password-stdin", stdin=DEMO_PASSWORD)
        assert json.loads(sent.stdout)["accepted"] == 1, sent.stderr
        assert json.loads(made.stdout)["id"] in {r["id"] for r in server.reports()}
    finally:
        server.stop()

    deb = next(dist.glob("dxdesk_*.deb"))
    info = subprocess.run(["dpkg-deb", "-I", str(deb)], capture_output=True, text=True, check=True)
    info_text = info.stdout
    assert "Package: dxdesk" in info_text
    assert "libxcb-cursor0" in info_text and "fonts-dejavu-core" in info_text
    listed = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True
    )
    listing = listed.stdout
    for path in ("./opt/dxdesk/dxdesk", "./usr/bin/dxdesk -> /opt/dxdesk/dxdesk",
                 "./usr/share/applications/dxdesk.desktop",
                 "./usr/share/icons/hicolor/scalable/apps/dxdesk.svg",
                 "provisioning.toml", "dxdesk_vi.qm", "dxdesk/migrations/versions"):  # fmt: skip
        assert path in listing, path
    for absent in ("fastapi", "uvicorn", "sync/server", "QtWebEngine", "QtQml", "libgtk-3"):
        assert absent not in listing, absent

    # Install into a throwaway root and run it from there.
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    installed = subprocess.run(
        [str(root / "opt" / "dxdesk" / "dxdesk"), "--home", str(tmp_path / "h2"), "--version"],
        capture_output=True, text=True, timeout=120, env=clean_env(), check=False,
    )  # fmt: skip
    assert SITE in installed.stdout

    # The portable archive keeps its data beside the program (a USB stick install).
    stick = tmp_path / "usb"
    stick.mkdir()
    tarball = next(dist.glob("dxdesk-*.tar.gz"))
    with tarfile.open(tarball) as archive:
        assert "dxdesk/portable" in archive.getnames()
    # As a user would unpack it (and tarfile's extraction filters need 3.11.4+).
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(stick)], check=True)
    portable = subprocess.run(
        [str(stick / "dxdesk" / "dxdesk"), "--lang", "en", "demo", "--local", "--json"],
        capture_output=True, text=True, timeout=120, env=clean_env(), check=False,
    )  # fmt: skip
    assert portable.returncode == 0, portable.stderr
    data = stick / "dxdesk" / "dxdesk-data" / "data"
    assert (data / "users" / "demo" / "dxdesk.sqlite3").is_file()
