"""The .deb install's root helper (sync/deb_apply.py), run here directly as root:
no polkit daemon runs on this machine, so pkexec itself is not exercised. The
packages are small real ones built with dpkg-deb and installed with the real dpkg."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dxdesk.settings import Settings
from sync import deb_apply, update_install, updates
from sync.protocol import UpdateOffer
from tests.sync import releases

PACKAGE = "dxdesk-apply-test"  # not "dxdesk": nothing real on this machine is replaced

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("dpkg-deb") is None, reason="needs root and dpkg"
)


def _deb(folder: Path, version: str) -> Path:
    root = folder / "root"
    (root / "DEBIAN").mkdir(parents=True)
    doc = root / "usr" / "share" / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "README").write_text(f"{PACKAGE} {version}\n", encoding="utf-8")
    (root / "DEBIAN" / "control").write_text(
        f"Package: {PACKAGE}\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: dxdesk tests <t@localhost>\nDescription: helper test\n",
        encoding="utf-8",
    )
    out = folder / f"dxdesk_{version}_amd64.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(out)],
                   check=True, capture_output=True)  # fmt: skip
    return out


def _installed() -> str | None:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", PACKAGE],
                            capture_output=True, text=True, check=False)  # fmt: skip
    return result.stdout.split()[-1] if "install ok installed" in result.stdout else None


@pytest.fixture
def signed(tmp_path: Path) -> Iterator[tuple[Path, Path, str]]:
    key = releases.keygen(tmp_path / "release.key")
    deb = _deb(tmp_path / "build", "0.2.1")
    manifest = releases.sign([deb], "0.2.1", tmp_path / "release.key", tmp_path / "0.2.1.release")
    yield manifest, deb, key
    subprocess.run(["dpkg", "--purge", PACKAGE], capture_output=True, check=False)


def test_a_package_the_pinned_key_signed_is_installed(signed: tuple[Path, Path, str]) -> None:
    manifest, deb, key = signed
    assert deb_apply.apply(manifest, deb, key, installed="0.2.0") == "0.2.1"
    assert _installed() == "0.2.1"


def test_a_tampered_package_is_refused(signed: tuple[Path, Path, str]) -> None:
    manifest, deb, key = signed
    data = bytearray(deb.read_bytes())
    data[-1] ^= 1
    deb.write_bytes(bytes(data))
    with pytest.raises(deb_apply.RefusedError, match="not the file the release key signed"):
        deb_apply.apply(manifest, deb, key, installed="0.2.0")
    assert _installed() is None


def test_a_package_signed_by_another_key_or_not_newer_is_refused(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    manifest, deb, _key = signed
    other = releases.keygen(tmp_path / "other.key")
    with pytest.raises(deb_apply.RefusedError, match="refused"):
        deb_apply.apply(manifest, deb, other, installed="0.2.0")
    with pytest.raises(deb_apply.RefusedError, match="not newer"):
        deb_apply.apply(manifest, deb, signed[2], installed="0.2.1")
    assert _installed() is None


def test_the_key_comes_from_the_installed_profile_only(tmp_path: Path) -> None:
    profile = tmp_path / "provisioning.toml"
    profile.write_text('site_name = "X"\nserver_url = "http://127.0.0.1:1"\n', encoding="utf-8")
    with pytest.raises(deb_apply.RefusedError, match="pins no release key"):
        deb_apply.pinned_key(profile)
    with pytest.raises(deb_apply.RefusedError, match="no site profile"):
        deb_apply.pinned_key()  # a development checkout has no baked profile


def test_update_install_on_a_deb_runs_the_helper_through_pkexec(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    manifest, deb, key = signed
    data = tmp_path / "data"
    folder = data / updates.FOLDER
    folder.mkdir(parents=True)
    shutil.copy(deb, folder / deb.name)
    shutil.copy(manifest, folder / f"{deb.name}.release")
    updates.remember(data, UpdateOffer(
        version="0.2.1", platform="linux-x86_64-deb", file_name=deb.name,
        size=deb.stat().st_size, sha256=hashlib.sha256(deb.read_bytes()).hexdigest(),
        manifest=manifest.read_text(encoding="utf-8"),
    ))  # fmt: skip

    def pkexec(command: list[str]) -> int:
        # What pkexec would run as root, the helper, run here directly (we are root);
        # the key is the one the installed build's profile pins.
        assert command[:2] == ["pkexec", "/opt/dxdesk/dxdesk-apply-update"]
        try:
            deb_apply.apply(Path(command[2]), Path(command[3]), key, installed="0.2.0")
        except deb_apply.RefusedError:
            return deb_apply.EXIT_REFUSED
        return 0

    outcome = update_install.install(data, Settings(release_public_key=key), None,
                                     running="0.2.0", run=pkexec)  # fmt: skip
    assert outcome.installed and outcome.version == "0.2.1"
    assert _installed() == "0.2.1"
    assert not (folder / deb.name).exists() and updates.remembered(data) is None


def test_the_helper_command_refuses_clearly_without_a_pinned_key(
    signed: tuple[Path, Path, str],
) -> None:
    manifest, deb, _key = signed
    program = Path(sys.executable).with_name("dxdesk")
    result = subprocess.run([str(program), "apply-deb-update", str(manifest), str(deb)],
                            capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert result.returncode == deb_apply.EXIT_REFUSED
    assert "no site profile" in result.stderr
    assert _installed() is None


def test_a_device_or_an_unreadable_path_is_refused_without_reading_it_forever(
    signed: tuple[Path, Path, str],
) -> None:
    manifest, deb, key = signed
    with pytest.raises(deb_apply.RefusedError, match="zero is not a regular file"):
        deb_apply.apply(Path("/dev/zero"), deb, key, installed="0.2.0")
    with pytest.raises(deb_apply.RefusedError, match="cannot be read"):
        deb_apply.apply(manifest, deb.with_name("missing.deb"), key, installed="0.2.0")
    assert _installed() is None
