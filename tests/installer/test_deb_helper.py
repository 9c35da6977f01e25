"""The .deb ships the root helper and the polkit action the update needs (the
frozen build itself is tested in test_bundle.py; this packs a tiny bundle)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dxdesk import updater
from installer import build
from sync import deb_keep

pytestmark = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")


def test_the_deb_carries_the_update_helper_and_its_polkit_action(tmp_path: Path) -> None:
    bundle = tmp_path / "dxdesk"
    bundle.mkdir()
    (bundle / "dxdesk").write_text("#!/bin/sh\n", encoding="utf-8")
    deb = build.build_deb(bundle, tmp_path, fast=True)
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                             check=True).stdout  # fmt: skip
    helper = next(line for line in listing.splitlines() if line.endswith(updater.APPLY_DEB_HELPER))
    assert helper.startswith("-rwxr-xr-x root/root")
    policy = f"./usr/share/polkit-1/actions/{build.POLKIT_ACTION}.policy"
    assert policy in listing
    unpacked = tmp_path / "unpacked"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
    text = (unpacked / policy).read_text(encoding="utf-8")
    assert f'exec.path">{updater.APPLY_DEB_HELPER}<' in text
    assert "<allow_active>yes</allow_active>" in text
    script = (unpacked / updater.APPLY_DEB_HELPER.lstrip("/")).read_text(encoding="utf-8")
    assert 'exec /opt/dxdesk/dxdesk apply-deb-update "$@"' in script


def test_purging_the_deb_removes_the_package_kept_for_a_rollback(tmp_path: Path) -> None:
    bundle = tmp_path / "dxdesk"
    bundle.mkdir()
    (bundle / "dxdesk").write_text("#!/bin/sh\n", encoding="utf-8")
    deb = build.build_deb(bundle, tmp_path, fast=True)
    control = tmp_path / "control"
    subprocess.run(["dpkg-deb", "-e", str(deb), str(control)], check=True)
    assert (control / "postrm").stat().st_mode & 0o777 == 0o755
    # Run here on a folder of the test's own, not on this machine's /var/lib/dxdesk.
    state = tmp_path / "var-lib-dxdesk"
    script = tmp_path / "postrm"
    text = (control / "postrm").read_text(encoding="utf-8")
    assert str(deb_keep.STATE) in text
    script.write_text(text.replace(str(deb_keep.STATE), str(state)), encoding="utf-8")
    (state / deb_keep.KEPT).mkdir(parents=True)
    (state / deb_keep.KEPT / "dxdesk_0.2.0_amd64.deb").write_bytes(b"kept")
    for step in ("remove", "upgrade"):  # the way back stays for these
        subprocess.run(["sh", str(script), step], check=True)
        assert (state / deb_keep.KEPT / "dxdesk_0.2.0_amd64.deb").exists()
    subprocess.run(["sh", str(script), "purge"], check=True)
    assert not state.exists()
