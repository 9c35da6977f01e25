"""What the officer reads when an update is refused or fails: the message catalogue's
words in their language (``dxdesk update`` here; the window in tests/ui), never the
English detail meant for the log. A download cut and a full disk while downloading
are real: a real server behind the bad-link proxy, and a small tmpfs mounted (root)."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dxdesk import signing, sync_lock, updater
from dxdesk.messages import CATALOG
from dxdesk.paths import Paths
from dxdesk.settings import Settings
from dxdesk.settings import load as load_settings
from dxdesk.settings import save as save_settings
from sync import updates
from sync.protocol import UpdateOffer
from tests.integration.cli_runner import run
from tests.support.badlink import BadLink, LinkProfile
from tests.support.server import RunningServer
from tests.sync import releases
from tests.sync.conftest import Client
from tests.sync.releases import BROKEN

# Words of the English texts (and of the log's details) that must not reach a
# Vietnamese officer.
ENGLISH = {"update", "refused", "tampered", "damaged", "deleted", "signed", "sync", "running",
           "install", "installed", "version", "the", "was", "file", "start", "exit", "code",
           "stopped", "key", "back", "data"}  # fmt: skip


def english_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)} & ENGLISH


def said(message: str, language: str, **params: object) -> str:
    return CATALOG[message][0 if language == "vi" else 1].format(**params)


def _installed_with_download(tmp: Path, program: str = releases.GOOD) -> tuple[Path, Path]:
    """A flat portable 0.1.0 whose data folder holds a downloaded, signed 0.2.0."""
    key = signing.generate()
    app = releases.portable_010(tmp)
    home = app / "dxdesk-data"
    paths = Paths.under(home)
    paths.ensure()
    save_settings(Settings(release_public_key=signing.public_key_text(key)), paths.settings_file)
    archive = releases.archive(tmp / "build-0.2.0", "0.2.0", program=program)
    releases.downloaded(paths.data, archive, "0.2.0", key)
    return app, home


def _install(home: Path, app: Path, language: str) -> tuple[int, str]:
    done = run(home, "--lang", language, "update", "--install", "--install-dir", str(app))
    return done.code, done.err.strip().removeprefix("dxdesk: ")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_tampered_download_is_refused_in_the_officers_language(
    tmp_path: Path, language: str
) -> None:
    app, home = _installed_with_download(tmp_path)
    folder = Paths.under(home).data / updates.FOLDER
    artifact = next(folder.glob("*.tar.gz"))
    artifact.write_bytes(artifact.read_bytes()[:-1] + b"X")
    code, err = _install(home, app, language)
    assert code == 1
    assert err == said("update_refused_tampered", language, version="0.2.0")
    assert bool(english_words(err)) == (language == "en")
    assert not artifact.exists() and updater.current_version(app) is None


@pytest.mark.parametrize("language", ["vi", "en"])
def test_an_install_during_a_sync_is_refused_in_the_officers_language(
    tmp_path: Path, language: str
) -> None:
    app, home = _installed_with_download(tmp_path)
    with sync_lock.held(Paths.under(home).data) as held:  # a round in flight
        assert held
        code, err = _install(home, app, language)
    assert code == 1
    assert err == said("update_syncing", language)
    assert bool(english_words(err)) == (language == "en")
    assert updater.current_version(app) is None  # nothing changed


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_rollback_is_told_in_the_officers_language(tmp_path: Path, language: str) -> None:
    app, home = _installed_with_download(tmp_path, program=BROKEN)
    code, err = _install(home, app, language)
    assert code == 1
    expected = said("update_rolled_back_exit", language, version="0.2.0", previous="0.1.0",
                    code=127)  # fmt: skip
    assert err == expected
    assert bool(english_words(err)) == (language == "en")
    assert updater.current_version(app) == "0.1.0"
    # Asked later, dxdesk says so (not "available, 0 bytes downloaded").
    check = run(home, "--lang", language, "update", "--check")
    assert ("không khởi động được" in check.out) == (language == "vi")
    assert ("did not start" in check.out) == (language == "en")
    assert run(home, "update", "--check", "--json").json()["state"] == "failed"


@contextlib.contextmanager
def tiny_disk(where: Path, size: str) -> Iterator[Path]:
    """A real filesystem of ``size`` (tmpfs): needs the right to mount (root here)."""
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, check=False)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small filesystem here")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_room_for_the_update_is_said_and_the_running_version_stays(
    tmp_path: Path, language: str
) -> None:
    key = signing.generate()
    home = tmp_path / "home"  # the data (and the downloaded update) elsewhere
    paths = Paths.under(home)
    paths.ensure()
    save_settings(Settings(release_public_key=signing.public_key_text(key)), paths.settings_file)
    archive = releases.archive(tmp_path / "build-0.2.0", "0.2.0", padding=1_000_000)
    releases.downloaded(paths.data, archive, "0.2.0", key)
    with tiny_disk(tmp_path / "usb", "400k") as usb:
        app = releases.unpacked(releases.archive(tmp_path / "build-0.1.0", "0.1.0"), usb)
        code, err = _install(home, app, language)
        assert code == 1
        folder = str(app / "versions")
        assert err == said("update_no_space", language, path=folder)
        assert bool(english_words(err.replace(folder, ""))) == (language == "en")
        assert (app / "dxdesk").resolve().is_relative_to(app / "versions" / "0.1.0")
        assert updater.current_version(app) == "0.1.0"  # the running version stays
        assert not (app / "versions" / "0.2.0").exists()
    assert (paths.data / updates.FOLDER / archive.name).is_file()  # kept: try again later


def _offered(
    server: RunningServer,
    tmp: Path,
    version: str,
    padding: int,
    keys: tuple[Path, str] | None = None,
) -> tuple[str, Path, UpdateOffer]:
    """A release published on the real server on a channel of its own, signed with
    ``keys`` (private key file, public text; new ones by default): the pinned key, the
    artifact and the offer a sync round would have left in the data folder."""
    channel = "msg" + version.replace(".", "")
    tmp.mkdir(parents=True, exist_ok=True)
    if keys is None:
        keys = (tmp / "release.key", releases.keygen(tmp / "release.key"))
    key, public = keys
    artifact = releases.archive(tmp / f"build-{version}", version, padding=padding)
    manifest = tmp / f"{version}.release"
    releases.release_command("sign", str(artifact), "--version", version, "--channel",
                             channel, "--key", str(key), "--out", str(manifest))  # fmt: skip
    server.admin("release", "publish", str(artifact), "--version", version, "--channel",
                 channel, "--manifest", str(manifest))  # fmt: skip
    data = artifact.read_bytes()
    offer = UpdateOffer(version=version, platform=releases.PLATFORM, file_name=artifact.name,
                        size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        manifest=manifest.read_text(encoding="utf-8"))  # fmt: skip
    return public, artifact, offer


def _logged_in(client: Client, url: str, key: str) -> Paths:
    """The officer's dxdesk, logged in through ``url``, pinning the release key."""
    assert client.login(url, "cb.halong").code == 0
    paths = Paths.under(client.home)
    current = load_settings(paths.settings_file)
    save_settings(dataclasses.replace(current, release_public_key=key), paths.settings_file)
    return paths


def _download(client: Client, language: str) -> tuple[int, str]:
    done = run(client.home, "--lang", language, "update", "--metered-ok", "--password-stdin",
               stdin=client.password, env=client.env, timeout=120)  # fmt: skip
    return done.code, done.err.strip().splitlines()[0].removeprefix("dxdesk: ") if done.err else ""


def test_a_download_cut_midway_is_told_in_the_officers_language_and_resumes(
    server: RunningServer, client: Client, tmp_path: Path
) -> None:
    """Through the bad-link proxy, cut twice: each time `dxdesk update` says how much
    is held (in Vietnamese, then in English), and the next try continues from it."""
    key, artifact, offer = _offered(server, tmp_path, "0.2.3", padding=900_000)
    with BadLink(server.port, LinkProfile(latency_s=0.005, down_bps=3_000_000)) as link:
        paths = _logged_in(client, link.url, key)
        updates.remember(paths.data, offer)
        part = paths.data / updates.FOLDER / f"{offer.sha256}.part"
        for language, share in (("vi", 1), ("en", 2)):
            start, stop = link.stats.bytes_down, threading.Event()

            def cut(start: int = start, share: int = share, stop: threading.Event = stop) -> None:
                held = part.stat().st_size if part.exists() else 0
                while not stop.is_set() and link.stats.bytes_down - start < (
                    share * offer.size // 3 - held
                ):
                    time.sleep(0.001)
                if not stop.is_set():
                    link.cut_all()

            cutter = threading.Thread(target=cut, daemon=True)
            cutter.start()
            code, err = _download(client, language)
            stop.set()
            cutter.join(timeout=10)
            assert code != 0, err
            held = part.stat().st_size
            assert 0 < held < offer.size
            assert err == said("update_download_cut", language, version="0.2.3", held=held,
                               size=offer.size)  # fmt: skip
            assert bool(english_words(err)) == (language == "en")
        code, err = _download(client, "en")
        assert code == 0, err
    assert link.stats.cuts == 2
    assert (paths.data / updates.FOLDER / artifact.name).read_bytes() == artifact.read_bytes()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_room_while_downloading_is_told_and_what_is_held_stays(
    server: RunningServer, client: Client, tmp_path: Path, language: str
) -> None:
    """The data folder's updates/ on a real 256 KiB filesystem (tmpfs, mounted as
    root): the 900 KB release does not fit."""
    version = "0.2.4" if language == "vi" else "0.2.5"
    key, artifact, offer = _offered(server, tmp_path, version, padding=900_000)
    paths = _logged_in(client, server.url, key)
    with tiny_disk(paths.data / updates.FOLDER, "256k") as folder:
        updates.remember(paths.data, offer)
        code, err = _download(client, language)
        assert code == 1
        assert err == said("update_no_space", language, path=str(folder))
        assert bool(english_words(err.replace(str(folder), ""))) == (language == "en")
        held = (folder / f"{offer.sha256}.part").stat().st_size
        assert 0 < held < offer.size  # kept: the next try continues from it
        assert not (folder / artifact.name).exists()


def test_a_version_that_failed_here_is_not_downloaded_again_until_a_newer_one(
    server: RunningServer, client: Client, tmp_path: Path
) -> None:
    """0.2.6 was installed and rolled back (its failure noted): `dxdesk update` says so
    and fetches nothing, every time it is asked; a newer 0.2.7 is downloaded."""
    key, artifact, offer = _offered(server, tmp_path / "0.2.6", "0.2.6", padding=300_000)
    with BadLink(server.port, LinkProfile(latency_s=0.005)) as link:
        paths = _logged_in(client, link.url, key)
        updates.remember(paths.data, offer)
        folder = paths.data / updates.FOLDER
        updater.note_failed(folder, "0.2.6", "the new version stopped at start (exit code 127)")
        before = link.stats.bytes_down
        for language, words in (("vi", "không khởi động được"), ("en", "did not start")):
            done = run(client.home, "--lang", language, "update", "--metered-ok",
                       "--password-stdin", stdin=client.password, env=client.env)  # fmt: skip
            assert done.code == 0, done.err
            assert words in done.out
        assert link.stats.bytes_down == before  # not a byte of it fetched again
        assert not list(folder.glob("*.part")) and not (folder / artifact.name).exists()
        keys = (tmp_path / "0.2.6" / "release.key", key)
        newer = _offered(server, tmp_path / "0.2.7", "0.2.7", padding=1000, keys=keys)[2]
        updates.remember(paths.data, newer)  # what the next sync round learns
        done = run(client.home, "update", "--metered-ok", "--password-stdin",
                   stdin=client.password, env=client.env)  # fmt: skip
        assert done.code == 0, done.err
    assert (folder / newer.file_name).is_file()
