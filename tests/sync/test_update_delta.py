"""A patch release travels as a delta from the version the device runs; the full
archive is the fallback."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from dxdesk import updater
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.settings import Settings
from sync import client_account, update_install, updates
from sync.engine import SyncEngine
from sync.protocol import ClientIn
from sync.transport import Transport
from tests.support.profiles import new_user_profile
from tests.support.server import DEMO_PASSWORD, RunningServer
from tests.sync import releases
from tests.sync.releases import PLATFORM

LIBRARY = os.urandom(700_000)  # what a patch release does not change (Qt, Python…)


def _release(tmp: Path, version: str, code: bytes, extra: dict[str, bytes]) -> Path:
    files = {"_internal/libQt6Core.so.6": LIBRARY, "_internal/base_library.zip": code, **extra}
    return releases.archive(tmp / f"build-{version}", version, extra=files)


def _sign_and_publish(
    server: RunningServer, tmp: Path, key: Path, artifact: Path, version: str, channel: str,
    delta_from: Path | None = None,
) -> list[Path]:  # fmt: skip
    manifest = tmp / f"{version}-{channel}.release"
    delta = ["--delta-from", str(delta_from)] if delta_from else []
    releases.release_command(
        "sign", str(artifact), *delta, "--version", version, "--channel", channel,
        "--key", str(key), "--out", str(manifest),
    )  # fmt: skip
    files = [artifact, *artifact.parent.glob("*.from-*.tar.gz")]
    server.admin("release", "publish", *map(str, files), "--version", version,
                 "--channel", channel, "--manifest", str(manifest))  # fmt: skip
    return files


def _device_at_020(server: RunningServer, tmp: Path, channel: str) -> tuple[Transport, Path]:
    profile = new_user_profile(tmp / "officer")
    transport = Transport(server.url)
    with profile.db.session() as session:
        client_account.login(session, transport, MemoryTokenStore(), "cb.halong", DEMO_PASSWORD)
    data = profile.paths.data
    check = updates.UpdateCheck(ClientIn(version="0.2.0", platform=PLATFORM, channel=channel),
                                data)  # fmt: skip
    engine = SyncEngine(profile.db, profile.attachments, transport, sleep=lambda _s: None,
                        updates_check=check)  # fmt: skip
    assert engine.run().update_offered == "0.2.1"
    profile.close()
    return transport, data


def test_a_patch_release_comes_as_a_delta_and_installs_as_the_full_one_would(
    server: RunningServer, tmp_path: Path
) -> None:
    public = releases.keygen(tmp_path / "release.key")
    old = _release(tmp_path, "0.2.0", b"code 0.2.0", {"_internal/dropped.py": b"old"})
    new = _release(tmp_path, "0.2.1", b"code 0.2.1", {"_internal/added.py": b"new"})
    _sign_and_publish(server, tmp_path, tmp_path / "release.key", old, "0.2.0", "delta")
    files = _sign_and_publish(server, tmp_path, tmp_path / "release.key", new, "0.2.1", "delta",
                              delta_from=old)  # fmt: skip
    delta_file = next(f for f in files if ".from-0.2.0." in f.name)
    assert delta_file.stat().st_size < new.stat().st_size // 20  # the library is not in it

    transport, data = _device_at_020(server, tmp_path, "delta")
    offer = updates.remembered(data)
    assert offer is not None and offer.delta is not None and offer.delta.base == "0.2.0"
    done = updates.download(transport, offer, data, public)
    transport.close()
    assert done.path.name == delta_file.name
    assert done.fetched == delta_file.stat().st_size  # not the full archive

    app = releases.unpacked(old, tmp_path / "usb")
    settings = Settings(release_public_key=public)
    outcome = update_install.install(data, settings, app, running="0.2.0")
    assert outcome.installed, outcome.problem
    assert updater.current_version(app) == "0.2.1"
    built = app / "versions" / "0.2.1"
    expected = releases.unpacked(new, tmp_path / "full")
    assert _tree(built) == _tree(expected)  # the same files as the full archive gives
    assert not (built / "_internal" / "dropped.py").exists()


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and p.name != ".started-ok"
    }


def test_a_damaged_delta_falls_back_to_the_full_archive(
    server: RunningServer, tmp_path: Path
) -> None:
    public = releases.keygen(tmp_path / "release.key")
    old = _release(tmp_path, "0.2.0", b"code 0.2.0", {})
    new = _release(tmp_path, "0.2.1", b"code 0.2.1", {})
    _sign_and_publish(server, tmp_path, tmp_path / "release.key", old, "0.2.0", "fallback")
    files = _sign_and_publish(server, tmp_path, tmp_path / "release.key", new, "0.2.1",
                              "fallback", delta_from=old)  # fmt: skip
    delta_sha = hashlib.sha256(next(f for f in files if ".from-" in f.name).read_bytes())
    engine = sa.create_engine(server.db_url)
    where = {"s": delta_sha.hexdigest()}
    with engine.begin() as connection:  # the server's copy of the delta is damaged
        chunk = connection.execute(
            sa.text('SELECT data FROM release_chunk WHERE sha256 = :s AND "offset" = 0'), where
        ).scalar_one()
        connection.execute(
            sa.text('UPDATE release_chunk SET data = :d WHERE sha256 = :s AND "offset" = 0'),
            {**where, "d": bytes([chunk[0] ^ 1]) + chunk[1:]},
        )
    engine.dispose()
    transport, data = _device_at_020(server, tmp_path, "fallback")
    offer = updates.remembered(data)
    assert offer is not None and offer.delta is not None
    done = updates.download(transport, offer, data, public)
    transport.close()
    assert done.path.name == new.name and done.path.read_bytes() == new.read_bytes()
    assert (data / updates.FOLDER / "no-delta-0.2.1").exists()
    app = releases.unpacked(old, tmp_path / "usb")
    outcome = update_install.install(data, Settings(release_public_key=public), app,
                                     running="0.2.0")  # fmt: skip
    assert outcome.installed and updater.current_version(app) == "0.2.1"


# A frozen program as PyInstaller makes it: the app's code is inside it, so a patch
# release changes a few bytes of a large file (docs/benchmarks.md, real builds).
FROZEN = os.urandom(400_000)


def _frozen(fix: bytes) -> dict[str, bytes]:
    return {"_internal/pyz-archive": FROZEN[:200_000] + fix + FROZEN[200_000:]}


def test_a_file_changed_in_a_few_bytes_travels_as_a_binary_patch(
    server: RunningServer, tmp_path: Path
) -> None:
    public = releases.keygen(tmp_path / "release.key")
    old = _release(tmp_path, "0.2.0", b"code 0.2.0", _frozen(b"version 0.2.0"))
    new = _release(tmp_path, "0.2.1", b"code 0.2.1", _frozen(b"version 0.2.1 fixed"))
    _sign_and_publish(server, tmp_path, tmp_path / "release.key", old, "0.2.0", "binary")
    files = _sign_and_publish(server, tmp_path, tmp_path / "release.key", new, "0.2.1", "binary",
                              delta_from=old)  # fmt: skip
    delta_file = next(f for f in files if ".from-0.2.0." in f.name)
    assert delta_file.stat().st_size < 20_000  # not the 400 kB file whole

    transport, data = _device_at_020(server, tmp_path, "binary")
    offer = updates.remembered(data)
    assert offer is not None and offer.delta is not None
    done = updates.download(transport, offer, data, public)
    transport.close()
    assert done.path.name == delta_file.name
    app = releases.unpacked(old, tmp_path / "usb")
    outcome = update_install.install(data, Settings(release_public_key=public), app,
                                     running="0.2.0")  # fmt: skip
    assert outcome.installed, outcome.problem
    assert _tree(app / "versions" / "0.2.1") == _tree(releases.unpacked(new, tmp_path / "full"))


def test_a_patch_that_rebuilds_a_wrong_file_is_refused_and_the_full_archive_used(
    server: RunningServer, tmp_path: Path
) -> None:
    public = releases.keygen(tmp_path / "release.key")
    old = _release(tmp_path, "0.2.0", b"code 0.2.0", _frozen(b"version 0.2.0"))
    new = _release(tmp_path, "0.2.1", b"code 0.2.1", _frozen(b"version 0.2.1 fixed"))
    # The patch is made (and signed) against a 0.2.0 that differs from the one the
    # device runs: it applies cleanly and rebuilds the wrong bytes.
    other = _release(tmp_path / "other", "0.2.0", b"code 0.2.0", _frozen(b"versiom 0.2.0"))
    _sign_and_publish(server, tmp_path, tmp_path / "release.key", old, "0.2.0", "wrong")
    _sign_and_publish(server, tmp_path, tmp_path / "release.key", new, "0.2.1", "wrong",
                      delta_from=other)  # fmt: skip
    transport, data = _device_at_020(server, tmp_path, "wrong")
    offer = updates.remembered(data)
    assert offer is not None and offer.delta is not None
    assert ".from-0.2.0." in updates.download(transport, offer, data, public).path.name

    app = releases.unpacked(old, tmp_path / "usb")
    settings = Settings(release_public_key=public)
    with pytest.raises(updater.UpdateError, match="rebuilds dxdesk/_internal/pyz-archive"):
        update_install.install(data, settings, app, running="0.2.0")
    assert updater.current_version(app) == "0.2.0"
    assert not (app / "versions" / "0.2.1").exists()
    assert (data / updates.FOLDER / "no-delta-0.2.1").exists()

    done = updates.download(transport, updates.remembered(data) or offer, data, public)
    transport.close()
    assert done.path.name == new.name  # the full archive, this time
    outcome = update_install.install(data, settings, app, running="0.2.0")
    assert outcome.installed, outcome.problem
    assert _tree(app / "versions" / "0.2.1") == _tree(releases.unpacked(new, tmp_path / "full"))


def test_a_format_1_delta_of_whole_files_is_still_applied(tmp_path: Path) -> None:
    old = _release(tmp_path, "0.2.0", b"code 0.2.0", {"_internal/dropped.py": b"old"})
    new = _release(tmp_path, "0.2.1", b"code 0.2.1", {})
    delta = tmp_path / "dxdesk-0.2.1-linux-x86_64.from-0.2.0.tar.gz"
    index = json.dumps({"format": 1, "base": "0.2.0", "removed": ["dxdesk/_internal/dropped.py"]})
    with tarfile.open(delta, "w:gz") as tar:  # as release_delta made them before format 2
        for name, data in (("dxdesk/_internal/base_library.zip", b"code 0.2.1"),
                           ("dxdesk/_internal/VERSION", b"0.2.1"),
                           ("dxdesk/.dxdesk-delta", index.encode())):  # fmt: skip
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    app = releases.unpacked(old, tmp_path / "usb")
    outcome = updater.install_portable(app, delta, "0.2.1", "0.2.0", delta_base="0.2.0")
    assert outcome.installed, outcome.problem
    assert _tree(app / "versions" / "0.2.1") == _tree(releases.unpacked(new, tmp_path / "full"))
