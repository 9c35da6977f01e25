"""Updates over the sync channel, against the real server: publish, learn, download."""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from dxdesk.identity.credentials import MemoryTokenStore
from sync import client_account, updates
from sync.engine import SyncEngine
from sync.protocol import ClientIn, UpdateOffer
from sync.transport import Transport, TransportError
from sync.uploads import ChunkSizer
from tests.support.badlink import BadLink, LinkProfile
from tests.support.profiles import new_user_profile
from tests.support.server import DEMO_PASSWORD, RunningServer
from tests.sync import releases
from tests.sync.releases import PLATFORM

FAST = LinkProfile(latency_s=0.005)


@dataclass(frozen=True)
class Keys:
    key_file: Path
    public: str
    other_file: Path  # a key the site does not pin
    other_public: str


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    folder = tmp_path_factory.mktemp("release-keys")
    public = releases.keygen(folder / "release.key")
    other = releases.keygen(folder / "other.key")
    return Keys(folder / "release.key", public, folder / "other.key", other)


def _published(
    server: RunningServer, tmp: Path, keys: Keys, version: str, channel: str, padding: int = 0
) -> Path:
    artifact = releases.archive(tmp / f"build-{version}", version, padding=padding)
    manifest = tmp / f"dxdesk-{version}-{channel}.release"
    releases.release_command(
        "sign", str(artifact), "--version", version, "--channel", channel,
        "--key", str(keys.key_file), "--out", str(manifest),
    )  # fmt: skip
    server.admin("release", "publish", str(artifact), "--version", version, "--channel", channel,
                 "--manifest", str(manifest))  # fmt: skip
    return artifact


@dataclass
class Device:
    transport: Transport
    engine: SyncEngine
    data_dir: Path


def _device(server_url: str, tmp: Path, channel: str) -> Device:
    profile = new_user_profile(tmp / "officer")
    transport = Transport(server_url)
    with profile.db.session() as session:
        client_account.login(session, transport, MemoryTokenStore(), "cb.halong", DEMO_PASSWORD)
    data_dir = profile.paths.data
    check = updates.UpdateCheck(ClientIn(version="0.1.0", platform=PLATFORM, channel=channel),
                                data_dir)  # fmt: skip
    engine = SyncEngine(
        profile.db, profile.attachments, transport, sleep=lambda _s: None, updates_check=check
    )
    return Device(transport, engine, data_dir)


def test_publish_refuses_a_file_that_is_not_the_one_signed(
    server: RunningServer, tmp_path: Path, keys: Keys
) -> None:
    artifact = releases.archive(tmp_path, "0.9.0")
    manifest = releases.sign([artifact], "0.9.0", keys.key_file, tmp_path / "m.release")
    artifact.write_bytes(artifact.read_bytes() + b"\0")  # changed after signing
    with pytest.raises(subprocess.CalledProcessError) as refused:
        releases.publish(server, [artifact], "0.9.0", manifest)
    assert "is not the file the manifest was signed for" in refused.value.stderr
    with pytest.raises(subprocess.CalledProcessError) as wrong:
        releases.release_command("publish", str(artifact), "--version", "0.9.1",
                                 "--manifest", str(manifest), "--db", server.db_url)  # fmt: skip
    wrong_version = wrong.value
    assert wrong_version.returncode == 1
    assert "not 0.9.1" in wrong_version.stderr
    listed = server.admin("release", "list").stdout
    assert "0.9.0" not in listed


def test_a_device_learns_of_a_release_and_downloads_it_through_two_cuts(
    server: RunningServer, tmp_path: Path, keys: Keys
) -> None:
    size = 900_000
    artifact = _published(server, tmp_path, keys, "0.2.0", "cuts", padding=size)
    audit = server.admin("audit", "--action", "release.").stdout
    assert "release.publish" in audit and "0.2.0" in audit
    with BadLink(server.port, LinkProfile(latency_s=0.005, down_bps=3_000_000)) as link:
        dev = _device(link.url, tmp_path, "cuts")
        summary = dev.engine.run()
        assert summary.failure is None, summary.message
        assert summary.update_offered == "0.2.0"
        offer = updates.remembered(dev.data_dir)
        assert offer is not None and offer.platform == PLATFORM
        assert offer.size == artifact.stat().st_size

        start = link.stats.bytes_down
        third = offer.size // 3

        def cut_twice() -> None:
            for share in (1, 2):
                while link.stats.bytes_down - start < share * third:
                    time.sleep(0.001)
                link.cut_all()

        cutter = threading.Thread(target=cut_twice, daemon=True)
        cutter.start()
        failures, sizer = 0, ChunkSizer(size=64 * 1024)
        while True:
            try:
                done = updates.download(dev.transport, offer, dev.data_dir, keys.public,
                                        sizer=sizer)  # fmt: skip
                break
            except TransportError:
                failures += 1  # the engine would retry at the next round
                assert failures <= 5
        cutter.join(timeout=10)
        fetched = link.stats.bytes_down - start
        dev.transport.close()
    assert link.stats.cuts == 2 and failures == 2
    assert done.path.read_bytes() == artifact.read_bytes()
    # Resumed, not restarted: what was fetched is the file, plus a few ranges lost
    # in flight at the cuts and the protocol's headers.
    assert fetched < offer.size + 4 * 64 * 1024 + 100_000
    assert not list((dev.data_dir / updates.FOLDER).glob("*.part"))


def _tamper(server: RunningServer, sha256: str) -> None:
    """What a compromised server (or a disk fault) would serve: one byte changed."""
    engine = sa.create_engine(server.db_url)
    with engine.begin() as connection:
        chunk = connection.execute(
            sa.text('SELECT data FROM release_chunk WHERE sha256 = :s AND "offset" = 0'),
            {"s": sha256},
        ).scalar_one()
        changed = bytes([chunk[0] ^ 1]) + chunk[1:]
        connection.execute(
            sa.text('UPDATE release_chunk SET data = :d WHERE sha256 = :s AND "offset" = 0'),
            {"d": changed, "s": sha256},
        )
    engine.dispose()


def test_a_tampered_artifact_is_refused_and_deleted(
    server: RunningServer, tmp_path: Path, keys: Keys
) -> None:
    artifact = _published(server, tmp_path, keys, "0.2.1", "tamper", padding=50_000)
    _tamper(server, hashlib.sha256(artifact.read_bytes()).hexdigest())
    dev = _device(server.url, tmp_path, "tamper")
    assert dev.engine.run().update_offered == "0.2.1"
    offer = updates.remembered(dev.data_dir)
    assert offer is not None
    with pytest.raises(updates.UpdateRefusedError) as refused:
        updates.download(dev.transport, offer, dev.data_dir, keys.public)
    assert refused.value.reason == "mismatch"
    assert "tampered" in str(refused.value)
    assert list((dev.data_dir / updates.FOLDER).iterdir()) == [
        dev.data_dir / updates.FOLDER / updates.OFFER_FILE
    ]


def test_a_release_not_signed_by_the_pinned_key_is_refused_before_any_byte(
    server: RunningServer, tmp_path: Path, keys: Keys
) -> None:
    _published(server, tmp_path, keys, "0.2.2", "pinned")
    dev = _device(server.url, tmp_path, "pinned")
    dev.engine.run()
    offer = updates.remembered(dev.data_dir)
    assert offer is not None
    before = dev.transport.traffic.requests
    with pytest.raises(updates.UpdateRefusedError) as refused:
        updates.download(dev.transport, offer, dev.data_dir, keys.other_public)
    assert refused.value.reason == "untrusted"
    assert "not signed by this site's release key" in str(refused.value)
    with pytest.raises(updates.UpdateRefusedError, match="pins no release key"):
        updates.download(dev.transport, offer, dev.data_dir, "")
    # An offer whose artifact is not the one the manifest signs.
    forged = UpdateOffer.model_validate({**offer.model_dump(), "sha256": "0" * 64})
    with pytest.raises(updates.UpdateRefusedError, match="not what the signed manifest lists"):
        updates.download(dev.transport, forged, dev.data_dir, keys.public)
    assert dev.transport.traffic.requests == before


def test_a_protocol_1_round_gets_no_update_key(
    server: RunningServer, tmp_path: Path, keys: Keys
) -> None:
    _published(server, tmp_path, keys, "0.2.3", "old-clients")
    dev = _device(server.url, tmp_path, "old-clients")
    client = {"version": "0.1.0", "platform": PLATFORM, "channel": "old-clients"}
    http = dev.transport.session
    url = server.url + "/api/v1/sync"
    auth = {"Authorization": f"Bearer {dev.transport.token}"}
    v2 = http.post(url, json={"client": client}, headers=auth, timeout=30).json()
    assert v2["update"]["version"] == "0.2.3"
    # Even a protocol 1 request that names a client gets no key its client cannot read.
    v1_headers = {**auth, "X-Dxdesk-Protocol": "1"}
    v1 = http.post(url, json={"client": client}, headers=v1_headers, timeout=30).json()
    assert "update" not in v1
    current = {**client, "version": "0.2.3"}
    up_to_date = http.post(url, json={"client": current}, headers=auth, timeout=30).json()
    assert "update" not in up_to_date
