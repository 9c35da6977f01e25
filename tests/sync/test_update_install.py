"""Installing an update on a portable install: publish on the real server, download,
``dxdesk update --install``; a version that cannot start rolls back; drafts survive."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from dxdesk import reports, updater
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.paths import Paths, portable_home
from dxdesk.reports import ReportContent
from dxdesk.settings import Settings
from dxdesk.settings import save as save_settings
from dxdesk.store.models import Report, ReportState, Task
from sync import client_account, updates
from sync.engine import SyncEngine
from sync.protocol import ClientIn
from sync.transport import Transport
from tests.integration.cli_runner import run
from tests.support.fake_clock import FakeClock
from tests.support.profiles import new_user_profile, open_user_profile
from tests.support.server import DEMO_PASSWORD, RunningServer
from tests.sync import releases
from tests.sync.releases import BROKEN, GOOD, HANGS, PLATFORM

PASSWORD = "correct horse"


@dataclass(frozen=True)
class Installed:
    app: Path  # the portable folder, as the officer unpacked 0.1.0
    home: Path  # its data folder
    draft_id: str


def _downloaded(server: RunningServer, tmp: Path, version: str, program: str) -> Installed:
    """0.1.0 installed with a draft in progress; ``version`` published (signed with
    the key the install pins) and downloaded by a sync round."""
    key_file = tmp / "release.key"
    public = releases.keygen(key_file)
    artifact = releases.archive(tmp / f"build-{version}", version, program=program)
    channel = f"c{version.replace('.', '-')}"
    manifest = tmp / "m.release"
    releases.release_command("sign", str(artifact), "--version", version, "--channel",
                             channel, "--key", str(key_file), "--out", str(manifest))  # fmt: skip
    server.admin("release", "publish", str(artifact), "--version", version, "--channel", channel,
                 "--manifest", str(manifest))  # fmt: skip
    app = releases.portable_010(tmp)
    home = app / "dxdesk-data"
    paths = Paths.under(home)
    save_settings(Settings(server_url=server.url, release_public_key=public), paths.settings_file)
    profile = new_user_profile(home, password=PASSWORD)
    transport = Transport(server.url)
    try:
        with profile.db.session() as session:
            client_account.login(session, transport, MemoryTokenStore(), "cb.halong", DEMO_PASSWORD)
        check = updates.UpdateCheck(ClientIn(version="0.1.0", platform=PLATFORM,
                                             channel=channel), paths.data)  # fmt: skip
        engine = SyncEngine(profile.db, profile.attachments, transport,
                            sleep=lambda _s: None, updates_check=check)  # fmt: skip
        assert engine.run().update_offered == version
        with profile.db.session() as session:
            task = session.exec(select(Task)).first()
            assert task is not None
            draft = reports.create_draft(session, task, ReportContent(progress=35, results="Nửa"))
            draft_id = draft.id
        updates.fetch_if_allowed(transport, paths.data, public, on_metered=False,
                                 metered=lambda: False)  # fmt: skip
    finally:
        transport.close()
        profile.close()
    assert (paths.data / updates.FOLDER / artifact.name).is_file()
    return Installed(app, home, draft_id)


def _draft_survived(installed: Installed) -> None:
    profile = open_user_profile(installed.home, PASSWORD, "officer")
    try:
        with profile.db.session() as session:
            draft = session.get(Report, installed.draft_id)
            assert draft is not None and draft.state == ReportState.DRAFT
            assert draft.results == "Nửa" and draft.progress == 35
    finally:
        profile.close()


def test_an_update_installs_beside_the_old_version_and_the_data_stays(
    server: RunningServer, tmp_path: Path
) -> None:
    installed = _downloaded(server, tmp_path, "0.2.0", GOOD)
    app = installed.app
    done = run(installed.home, "--lang", "en", "update", "--install", "--install-dir", str(app))
    assert done.code == 0, done.err
    assert "0.2.0" in done.out
    assert updater.current_version(app) == "0.2.0"
    assert (app / "dxdesk").resolve() == (app / "versions" / "0.2.0" / "dxdesk").resolve()
    assert (app / "versions" / "0.1.0" / "_internal" / "VERSION").read_text() == "0.1.0"
    # The new version finds the same data folder the old one used.
    assert portable_home(str(app / "dxdesk")) == app / "dxdesk-data"
    _draft_survived(installed)
    check = run(installed.home, "update", "--check", "--json")
    assert check.json()["available"] is None


def test_an_update_that_cannot_start_rolls_back(server: RunningServer, tmp_path: Path) -> None:
    installed = _downloaded(server, tmp_path, "0.2.5", BROKEN)
    app = installed.app
    done = run(installed.home, "--lang", "en", "update", "--install", "--install-dir", str(app))
    assert done.code == 1
    assert "0.2.5 did not start" in done.err and "0.1.0 is back" in done.err
    assert updater.current_version(app) == "0.1.0"
    assert (app / "dxdesk").resolve() == (app / "versions" / "0.1.0" / "dxdesk").resolve()
    assert not (app / "versions" / "0.2.5").exists()
    data = Paths.under(installed.home).data / updates.FOLDER
    assert updater.failed_before(data, "0.2.5")  # not fetched again by the next rounds
    _draft_survived(installed)


def test_a_downloaded_update_changed_on_disk_is_refused_and_deleted(
    server: RunningServer, tmp_path: Path
) -> None:
    installed = _downloaded(server, tmp_path, "0.2.6", GOOD)
    folder = Paths.under(installed.home).data / updates.FOLDER
    artifact = next(folder.glob("*.tar.gz"))
    artifact.write_bytes(artifact.read_bytes()[:-1] + b"X")
    done = run(
        installed.home, "--lang", "en", "update", "--install", "--install-dir", str(installed.app)
    )
    assert done.code == 1
    assert "tampered" in done.err
    assert not artifact.exists()
    assert updater.current_version(installed.app) is None  # still the flat 0.1.0
    _draft_survived(installed)


def test_a_new_version_that_never_says_it_started_is_rolled_back_at_the_timeout(
    tmp_path: Path,
) -> None:
    """No real waiting: the watch's clock moves only when the watcher sleeps."""
    app = releases.portable_010(tmp_path)
    archive = releases.archive(tmp_path / "build-0.3.0", "0.3.0", program=HANGS)
    clock = FakeClock()
    watch = updater.Watch(timeout_s=45, clock=clock, sleep=clock.advance, poll_s=5)
    outcome = updater.install_portable(app, archive, "0.3.0", "0.1.0", watch)
    assert not outcome.installed
    assert outcome.problem == "the new version did not start within 45 s"
    assert updater.current_version(app) == "0.1.0"
    assert clock.now >= 45


def test_a_second_update_keeps_the_previous_version_only(tmp_path: Path) -> None:
    app = releases.portable_010(tmp_path)
    for version in ("0.2.0", "0.3.0"):
        archive = releases.archive(tmp_path / f"build-{version}", version)
        assert updater.install_portable(app, archive, version, "0.1.0").installed
    assert sorted(p.name for p in (app / "versions").iterdir()) == ["0.2.0", "0.3.0"]
    with pytest.raises(updater.UpdateError, match="already installed"):
        updater.install_portable(app, archive, "0.3.0", "0.1.0")
