"""The .deb install's root helper (sync/deb_apply.py), run here directly as root
(through pkexec and a real polkitd, as an unprivileged user: test_deb_polkit.py).
The packages are small real ones built with dpkg-deb and installed with the real
dpkg (tests/support/debs.py)."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dxdesk import start_recovery, updater
from dxdesk.paths import Paths
from dxdesk.settings import Settings
from dxdesk.settings import save as save_settings
from sync import deb_apply, deb_keep, deb_pending, deb_start, update_install, updates
from tests.support import debs
from tests.support.fake_clock import FakeClock
from tests.sync import releases

PACKAGE = "dxdesk-apply-test"  # not "dxdesk": nothing real on this machine is replaced
PKG = debs.Package(PACKAGE)
PROGRAM = PKG.program

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("dpkg-deb") is None, reason="needs root and dpkg"
)


def _apply(manifest: Path, deb: Path, key: str, installed: str, **options: Any) -> str:
    """The helper as pkexec runs it, with the test package's program and a state
    folder of its own instead of /var/lib/dxdesk."""
    state = options.pop("state", deb.parent.parent / "state")
    host = deb_apply.Host(program=PROGRAM, state=state, **options)
    return deb_apply.apply(manifest, deb, key, installed, host)


@pytest.fixture
def signed(tmp_path: Path) -> Iterator[tuple[Path, Path, str]]:
    key = releases.keygen(tmp_path / "release.key")
    deb = PKG.deb(tmp_path / "build", "0.2.1")
    manifest = releases.sign([deb], "0.2.1", tmp_path / "release.key", tmp_path / "0.2.1.release")
    yield manifest, deb, key
    PKG.purge()


def test_a_package_the_pinned_key_signed_is_installed(signed: tuple[Path, Path, str]) -> None:
    manifest, deb, key = signed
    assert _apply(manifest, deb, key, installed="0.2.0") == "0.2.1"
    assert PKG.installed() == "0.2.1"


def test_a_tampered_package_is_refused(signed: tuple[Path, Path, str]) -> None:
    manifest, deb, key = signed
    data = bytearray(deb.read_bytes())
    data[-1] ^= 1
    deb.write_bytes(bytes(data))
    with pytest.raises(deb_apply.RefusedError, match="not the file the release key signed"):
        _apply(manifest, deb, key, installed="0.2.0")
    assert PKG.installed() is None


def test_a_package_signed_by_another_key_or_not_newer_is_refused(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    manifest, deb, _key = signed
    other = releases.keygen(tmp_path / "other.key")
    with pytest.raises(deb_apply.RefusedError, match="refused"):
        _apply(manifest, deb, other, installed="0.2.0")
    with pytest.raises(deb_apply.RefusedError, match="not newer"):
        _apply(manifest, deb, signed[2], installed="0.2.1")
    assert PKG.installed() is None


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
    data = debs.downloaded(tmp_path / "data", manifest, deb, "0.2.1")
    folder = data / updates.FOLDER

    def pkexec(command: list[str]) -> int:
        # What pkexec would run as root, the helper, run here directly (we are root);
        # the key is the one the installed build's profile pins.
        assert command[:2] == ["pkexec", "/opt/dxdesk/dxdesk-apply-update"]
        try:
            _apply(Path(command[2]), Path(command[3]), key, installed="0.2.0")
        except deb_apply.RefusedError:
            return deb_apply.EXIT_REFUSED
        return 0

    outcome = update_install.install(data, Settings(release_public_key=key), None,
                                     running="0.2.0", run=pkexec)  # fmt: skip
    assert outcome.installed and outcome.version == "0.2.1"
    assert PKG.installed() == "0.2.1"
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
    assert PKG.installed() is None


def test_a_device_or_an_unreadable_path_is_refused_without_reading_it_forever(
    signed: tuple[Path, Path, str],
) -> None:
    manifest, deb, key = signed
    with pytest.raises(deb_apply.RefusedError, match="zero is not a regular file"):
        _apply(Path("/dev/zero"), deb, key, installed="0.2.0")
    with pytest.raises(deb_apply.RefusedError, match="cannot be read"):
        _apply(manifest, deb.with_name("missing.deb"), key, installed="0.2.0")
    assert PKG.installed() is None


def test_a_new_version_that_does_not_start_brings_back_the_admin_installed_one(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    key = signed[2]
    PKG.admin_installed(tmp_path, "0.2.0")
    manifest, deb = PKG.release(tmp_path, "0.2.5", releases.BROKEN)
    with pytest.raises(deb_apply.RolledBackError) as refused:
        _apply(manifest, deb, key, installed="0.2.0")
    assert refused.value.problem == "the new version stopped at start (exit code 127)"
    assert str(refused.value).endswith("0.2.0 is back")
    PKG.is_back("0.2.0")  # rebuilt from dpkg's database, as it was installed
    kept = list((tmp_path / "state" / "installed").iterdir())
    assert [p.name for p in kept] == [f"{PACKAGE}_0.2.0_all.deb"]
    description = subprocess.run(["dpkg-query", "-W", "-f=${Description}", PACKAGE],
                                 capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert description == "helper test\n A second line, as real descriptions have."
    # Rolling back is not something a caller can ask for: an older signed release,
    # or the same version again, is refused as any downgrade is.
    old_manifest, old_deb = PKG.release(tmp_path, "0.1.9", releases.GOOD)
    with pytest.raises(deb_apply.RefusedError, match=r"0\.1\.9 is not newer than the installed"):
        _apply(old_manifest, old_deb, key, installed="0.2.0")
    PKG.is_back("0.2.0")


def test_after_a_good_update_a_bad_one_comes_back_to_it_from_the_kept_package(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    manifest, deb, key = signed  # 0.2.1, starts
    PKG.admin_installed(tmp_path, "0.2.0")
    assert _apply(manifest, deb, key, installed="0.2.0") == "0.2.1"
    kept = tmp_path / "state" / "installed" / deb.name
    assert [p.name for p in kept.parent.iterdir()] == [deb.name]
    assert kept.read_bytes() == deb.read_bytes()  # the verified package itself, kept
    bad_manifest, bad_deb = PKG.release(tmp_path, "0.2.2", releases.BROKEN)
    with pytest.raises(deb_apply.RolledBackError, match=r"0\.2\.2 did not start"):
        _apply(bad_manifest, bad_deb, key, installed="0.2.1")
    PKG.is_back("0.2.1")
    assert kept.read_bytes() == deb.read_bytes()


def test_a_new_version_that_hangs_is_rolled_back_on_the_injected_clock(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    """No real waiting: the watch's clock moves only when the helper sleeps."""
    key = signed[2]
    PKG.admin_installed(tmp_path, "0.2.0")
    manifest, deb = PKG.release(tmp_path, "0.3.0", releases.HANGS)
    clock = FakeClock()
    watch = updater.Watch(timeout_s=45, clock=clock, sleep=clock.advance, poll_s=5)
    with pytest.raises(deb_apply.RolledBackError) as refused:
        _apply(manifest, deb, key, installed="0.2.0", watch=watch)
    assert refused.value.problem == "the new version did not start within 45 s"
    assert clock.now >= 45
    PKG.is_back("0.2.0")


def test_the_self_check_runs_as_the_officer_not_as_root(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    key = signed[2]
    nobody = pwd.getpwnam("nobody")
    only_nobody = releases.GOOD.replace(
        "#!/bin/sh\n", f'#!/bin/sh\n[ "$(id -u)" = {nobody.pw_uid} ] || exit 9\n'
    )
    manifest, deb = PKG.release(tmp_path, "0.2.1", only_nobody)
    officer = (nobody.pw_uid, nobody.pw_gid)
    assert _apply(manifest, deb, key, installed="0.2.0", user=officer) == "0.2.1"
    PKG.admin_installed(tmp_path, "0.2.0")
    with pytest.raises(deb_apply.RolledBackError, match=r"exit code 9\)"):
        _apply(manifest, deb, key, installed="0.2.0")  # as root: refuses to say ok


def test_update_install_reports_a_rolled_back_deb_like_a_portable_one(
    tmp_path: Path, signed: tuple[Path, Path, str]
) -> None:
    key = signed[2]
    PKG.admin_installed(tmp_path, "0.2.0")
    manifest, deb = PKG.release(tmp_path, "0.2.5", releases.BROKEN)
    data = debs.downloaded(tmp_path / "data", manifest, deb, "0.2.5")

    def pkexec(command: list[str]) -> int:
        try:
            _apply(Path(command[2]), Path(command[3]), key, installed="0.2.0",
                   state=tmp_path / "state")  # fmt: skip
        except deb_apply.RolledBackError:
            return deb_apply.EXIT_ROLLED_BACK
        return 0

    outcome = update_install.install(data, Settings(release_public_key=key), None,
                                     running="0.2.0", run=pkexec)  # fmt: skip
    assert not outcome.installed and outcome.previous == "0.2.0"
    assert updater.failed_before(data / updates.FOLDER, "0.2.5")
    assert update_install.ready(data, "0.2.0") is None  # not offered again
    PKG.is_back("0.2.0")


# What the frozen helper does, in a fresh interpreter: the frozen program reads each
# module from its own file when first imported, and dpkg -i has just replaced that
# file, so nothing may be imported for the first time after dpkg ran.
FRESH_HELPER = """
import json, sys
from pathlib import Path
import ui.launcher  # what the frozen program has imported when the helper starts
from sync import deb_apply
after = []
def dpkg(command):
    code = deb_apply._dpkg(command)
    after.append(set(sys.modules))
    return code
manifest, deb, key, program, state = sys.argv[1:6]
try:
    deb_apply.apply(Path(manifest), Path(deb), key, "0.2.0",
                    deb_apply.Host(Path(program), Path(state), dpkg))
    print("dxdesk installed")
except deb_apply.RefusedError as exc:
    print(f"dxdesk-apply-update: {exc}", file=sys.stderr)
print(json.dumps(sorted(set(sys.modules) - after[0])))
"""


@pytest.mark.parametrize("program", [releases.GOOD, releases.BROKEN])
def test_the_helper_imports_nothing_after_dpkg_replaced_its_program(
    signed: tuple[Path, Path, str], tmp_path: Path, program: str
) -> None:
    key = signed[2]
    PKG.admin_installed(tmp_path, "0.2.0")
    manifest, deb = PKG.release(tmp_path, "0.2.5", program)
    child = subprocess.run(
        [sys.executable, "-c", FRESH_HELPER, str(manifest), str(deb), key, str(PROGRAM),
         str(tmp_path / "state")],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120,
        check=True,
    )  # fmt: skip
    assert PKG.installed() == ("0.2.5" if program == releases.GOOD else "0.2.0"), child.stderr
    assert json.loads(child.stdout.splitlines()[-1]) == []


@contextlib.contextmanager
def _another_package_manager() -> Iterator[subprocess.Popen[bytes]]:
    """A process holding dpkg's frontend lock the way apt (unattended-upgrades) does."""
    code = (
        "import fcntl, os, sys, time\n"
        "handle = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o640)\n"
        "fcntl.lockf(handle, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(900)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(deb_apply.FRONTEND_LOCK)],
                              stdout=subprocess.PIPE)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        yield holder
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_the_helper_waits_for_another_package_manager_then_installs(
    signed: tuple[Path, Path, str],
) -> None:
    """dpkg alone fails at once while apt holds its lock (and a rollback that failed
    so would leave a version that does not start): the helper waits for the lock on
    its clock, holds it through install, check and rollback, and then installs."""
    manifest, deb, key = signed
    clock = FakeClock()
    waited: list[float] = []
    held: list[subprocess.Popen[bytes]] = []

    def sleep(seconds: float) -> None:
        holder = held[0]
        if holder.poll() is None:  # waiting for the lock: the fake clock moves
            waited.append(seconds)
            clock.advance(seconds)
            if len(waited) == 3:
                holder.kill()  # apt finished
                holder.wait()
        else:  # the self-check's polls: a real pause, the fake clock stands still
            time.sleep(0.05)

    watch = updater.Watch(clock=clock, sleep=sleep, poll_s=5)
    with _another_package_manager() as holder:
        held.append(holder)
        assert _apply(manifest, deb, key, installed="0.2.0", watch=watch) == "0.2.1"
    assert len(waited) == 3 and PKG.installed() == "0.2.1"


def test_the_helper_gives_up_on_a_package_manager_that_does_not_finish(
    signed: tuple[Path, Path, str],
) -> None:
    manifest, deb, key = signed
    clock = FakeClock()
    watch = updater.Watch(clock=clock, sleep=clock.advance, poll_s=5)
    with (
        _another_package_manager(),
        pytest.raises(deb_apply.RefusedError, match="another package manager kept"),
    ):
        _apply(manifest, deb, key, installed="0.2.0", watch=watch)
    assert clock.now >= deb_apply.FRONTEND_WAIT_S
    assert PKG.installed() is None


def test_an_update_cut_after_dpkg_that_starts_is_kept_when_resolved(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    state = PKG.killed_after_dpkg(tmp_path, signed[2], releases.GOOD)
    said = deb_apply.resolve(deb_apply.Host(PROGRAM, state))
    assert said == "the interrupted update of 0.2.5 starts: it is kept"
    assert PKG.installed() == "0.2.5" and not deb_pending.exists(state)
    assert deb_apply.resolve(deb_apply.Host(PROGRAM, state)) is None  # nothing left


def test_an_update_cut_after_dpkg_that_does_not_start_is_rolled_back_when_resolved(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    """Before, the unchecked 0.2.5 stayed installed for good."""
    state = PKG.killed_after_dpkg(tmp_path, signed[2], releases.BROKEN)
    with pytest.raises(deb_apply.RolledBackError) as rolled:
        deb_apply.resolve(deb_apply.Host(PROGRAM, state))
    assert str(rolled.value) == (
        "0.2.5 did not start (the new version stopped at start (exit code 127)); 0.2.0 is back"
    )
    PKG.is_back("0.2.0")
    assert not deb_pending.exists(state)


def test_the_helpers_next_run_resolves_the_cut_update_before_anything_else(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    key = signed[2]
    state = PKG.killed_after_dpkg(tmp_path, key, releases.BROKEN)
    manifest, deb = PKG.release(tmp_path, "0.2.6", releases.GOOD)
    with pytest.raises(deb_apply.RefusedError, match=r"^an interrupted update was finished first: "
                       r"0\.2\.5 did not start .*0\.2\.0 is back; try again$"):  # fmt: skip
        _apply(manifest, deb, key, installed="0.2.5")  # what the cut left running
    PKG.is_back("0.2.0")
    assert not deb_pending.exists(state)
    assert _apply(manifest, deb, key, installed="0.2.0") == "0.2.6"  # asked again


def test_a_dpkg_cut_half_way_is_rolled_back_when_resolved(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    """The power cut stops dpkg itself while it configures 0.2.5 (its postinst kills
    it): dpkg's database says half-done; the previous version comes back."""
    dies = "#!/bin/sh\nkill -9 $PPID\nsleep 5\n"  # the parent is dpkg
    state = PKG.killed_after_dpkg(tmp_path, signed[2], releases.GOOD, dies, installed=None)
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PACKAGE], capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    assert status.startswith("install ") and not status.endswith(" installed"), status
    with pytest.raises(deb_apply.RolledBackError, match=r"dpkg -i of 0\.2\.5 was cut"):
        deb_apply.resolve(deb_apply.Host(PROGRAM, state))
    PKG.is_back("0.2.0")
    assert not deb_pending.exists(state)


@pytest.mark.parametrize("since", ["removed", "0.3.0 installed by hand"])
def test_a_record_made_stale_by_the_administrator_moves_nothing(
    signed: tuple[Path, Path, str], tmp_path: Path, since: str
) -> None:
    """After the cut, the administrator removed the package or installed another
    version: the record is dropped, nothing is (re)installed."""
    state = PKG.killed_after_dpkg(tmp_path, signed[2], releases.BROKEN)
    if since == "removed":
        debs.dpkg("--remove", PACKAGE)
    else:
        PKG.admin_installed(tmp_path, "0.3.0")
    assert deb_apply.resolve(deb_apply.Host(PROGRAM, state)) is None
    assert PKG.installed() == (None if since == "removed" else "0.3.0")
    assert not deb_pending.exists(state)


@pytest.mark.parametrize("spoil", ["not root's", "writable by others", "a link"])
def test_a_record_root_did_not_write_alone_moves_nothing(
    signed: tuple[Path, Path, str], tmp_path: Path, spoil: str
) -> None:
    """The record can ask for the helper's one downgrade: only root's is believed."""
    state = PKG.killed_after_dpkg(tmp_path, signed[2], releases.BROKEN)
    record = deb_pending.path(state)
    if spoil == "not root's":
        nobody = pwd.getpwnam("nobody")
        os.chown(record, nobody.pw_uid, nobody.pw_gid)
    elif spoil == "writable by others":
        record.chmod(0o666)
    else:
        real = record.rename(tmp_path / "elsewhere")
        record.symlink_to(real)
    with pytest.raises(deb_apply.RefusedError, match="pending"):
        deb_apply.resolve(deb_apply.Host(PROGRAM, state))
    assert PKG.installed() == "0.2.5"  # not rolled back on its word


@pytest.mark.parametrize(
    ("program", "answer", "code", "installed", "language"),
    [
        (releases.BROKEN, None, "update_interrupted_rolled_back", "0.2.0", "vi"),
        (releases.GOOD, None, "update_interrupted_finished", "0.2.5", "en"),
        (releases.BROKEN, 126, "update_interrupted", "0.2.5", "vi"),  # pkexec dismissed
    ],
)
def test_the_apps_start_has_the_helper_finish_a_cut_update_and_tells_the_officer(
    signed: tuple[Path, Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    program: str,
    answer: int | None,
    code: str,
    installed: str,
    language: str,
) -> None:
    state = PKG.killed_after_dpkg(tmp_path, signed[2], program)
    record = deb_pending.path(state)
    # The officer's dxdesk is not root: it can see the record, not the kept packages.
    assert (state.stat().st_mode & 0o777, record.stat().st_mode & 0o777) == (0o711, 0o644)
    assert (state / deb_keep.KEPT).stat().st_mode & 0o777 == 0o700
    assert start_recovery.deb_update_interrupted(str(PROGRAM), record, PROGRAM.parent)
    assert not start_recovery.deb_update_interrupted(str(PROGRAM), tmp_path / "no", PROGRAM.parent)
    assert not start_recovery.deb_update_interrupted(str(tmp_path / "x"), record, PROGRAM.parent)

    def pkexec(command: list[str]) -> int:
        # What pkexec would run as root: the helper itself (pkexec: test_deb_polkit.py).
        assert command == ["pkexec", "/opt/dxdesk/dxdesk-apply-update", "--resolve"]
        if answer is not None:
            return answer
        return deb_apply.resolve_command(deb_apply.Host(PROGRAM, state))

    paths = Paths.under(tmp_path / "officer").ensure()
    save_settings(Settings(language=language), paths.settings_file)
    restarted: list[list[str]] = []
    capsys.readouterr()
    done = deb_start.at_start(paths, ["--user", "cb"], state=state, run=pkexec,
                              restart=restarted.append)  # fmt: skip
    assert done.said is not None and done.said.code == code
    # The officer's words, after what the helper (run in this process here) printed.
    assert capsys.readouterr().err.splitlines()[-1] == done.said.text(language) == done.told
    assert "0.2.5" in done.said.text("vi") and "0.2.5" in done.said.text("en")
    assert done.said.text("en") in paths.log_file.read_text(encoding="utf-8")
    rolled_back = code == "update_interrupted_rolled_back"
    # Its files are the previous version's now: the program starts again, as it was.
    assert restarted == ([[sys.executable, "--user", "cb"]] if rolled_back else [])
    assert updater.failed_before(paths.data / updates.FOLDER, "0.2.5") == rolled_back
    assert PKG.installed() == installed
    assert deb_pending.exists(state) == (answer is not None)  # still to finish


def test_the_start_looks_for_the_record_where_the_helper_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert deb_pending.path(deb_keep.STATE) == start_recovery.DEB_PENDING
    assert Path(updater.APPLY_DEB_HELPER).parent == start_recovery.DEB_HOME
    assert Path(deb_apply.PROGRAM).parent == start_recovery.DEB_HOME
    assert updater.STARTED_OK_ENV == start_recovery.STARTED_OK_ENV
    # The helper's own start check of the new version must not ask the helper (which
    # holds its lock and waits for that check) to finish its own record.
    record = tmp_path / "pending"
    record.write_text("{}", encoding="utf-8")
    assert start_recovery.deb_update_interrupted(str(PROGRAM), record, PROGRAM.parent)
    monkeypatch.setenv(updater.STARTED_OK_ENV, str(tmp_path / "started-ok"))
    assert not start_recovery.deb_update_interrupted(str(PROGRAM), record, PROGRAM.parent)


def test_a_start_while_the_helper_is_installing_says_nothing_and_does_not_wait(
    signed: tuple[Path, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record is also there while an update runs (it is that run's): a second
    dxdesk started then is neither told of an interruption nor kept waiting."""
    state = PKG.killed_after_dpkg(tmp_path, signed[2], releases.BROKEN)
    paths = Paths.under(tmp_path / "officer").ensure()

    def pkexec(_command: list[str]) -> int:
        return deb_apply.resolve_command(deb_apply.Host(PROGRAM, state))

    with deb_apply._one_at_a_time(state):  # the installing run of the helper
        assert deb_apply.resolve_command(deb_apply.Host(PROGRAM, state)) == deb_apply.EXIT_NOTHING
        capsys.readouterr()
        restarted: list[list[str]] = []
        done = deb_start.at_start(paths, [], state=state, run=pkexec, restart=restarted.append)
    assert done.said is None and done.told is None and not done.replaced and not restarted
    assert capsys.readouterr().err == ""
    assert PKG.installed() == "0.2.5" and deb_pending.exists(state)  # left to that run


def test_no_room_for_the_pending_record_refuses_before_dpkg(
    signed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    """The helper's folder on a full disk (a real tmpfs, filled): the update is
    refused with the reason, dpkg never runs, what is installed stays."""
    manifest, deb, key = signed  # 0.2.1
    PKG.admin_installed(tmp_path, "0.2.0")
    state = tmp_path / "state"
    state.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k,mode=0711", "tmpfs", str(state)],
                      capture_output=True, check=False).returncode:  # fmt: skip
        pytest.skip("cannot mount a small filesystem here")
    try:
        kept = deb_keep.keep(PKG.deb(tmp_path / "kept", "0.2.0"), state)  # the way back is there
        assert deb_keep.control(kept) == (PACKAGE, "0.2.0")
        with (state / "filler").open("wb", buffering=0) as filler, contextlib.suppress(OSError):
            while True:  # ENOSPC ends it
                filler.write(bytes(4096))
        with pytest.raises(deb_apply.RefusedError, match="cannot be recorded before it is"):
            _apply(manifest, deb, key, installed="0.2.0", state=state)
        assert PKG.installed() == "0.2.0" and not deb_pending.exists(state)
    finally:
        subprocess.run(["umount", str(state)], check=True)
