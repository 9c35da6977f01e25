"""The root helper a .deb install updates itself with (``dxdesk-apply-update``).

An officer is not root, and ``dpkg -i`` must be. The .deb ships
``/opt/dxdesk/dxdesk-apply-update`` (which runs ``dxdesk apply-deb-update``) and a
polkit action that lets the local desktop user run it through ``pkexec`` without
the administrator's password. So that this cannot install an arbitrary package,
the helper trusts nothing the user hands it: it copies the manifest and the
package into a folder only root can write, checks the manifest against the
release key pinned in the *installed* build's site profile (not the officer's
settings), checks that the package is the one the manifest lists for this
machine's .deb and is newer than what is installed, and only then runs dpkg on
that copy.

A new version that does not start must not leave the officer without dxdesk, so
the helper also puts the previous version back (its .deb is kept for that,
``sync/deb_keep.py``): after ``dpkg -i`` it runs the new program's ``self-check``
as the officer who asked (pkexec's ``PKEXEC_UID``; never as root when a user is
known) and waits for it on an injected clock, as the portable install does; if it
does not say "started OK", ``dpkg -i`` of the kept package restores the version
this same run replaced. That is the only downgrade the helper makes, and nothing
the user hands it can ask for it: the package comes from root's own folder and must
name the version dpkg had installed when this run began, which is also the version
every signed package must be newer than. Asking the helper again with an older
signed release is refused as before.

A power cut between ``dpkg -i`` and the end of the check leaves a pending record
(``sync/deb_pending.py``) that the helper's next run, or ``--resolve`` (which the
app's start asks for), finishes by the same rule: the previous version comes back
only if it is the one root's record says this run replaced.
"""

from __future__ import annotations

import contextlib

# What runs after dpkg -i is imported before it: the frozen program reads a module
# from its own file at first import, and dpkg has replaced that file by then
# (tests/sync/test_deb_apply.py checks that nothing is imported after dpkg ran).
import encodings.ascii  # noqa: F401 (updater reads the started-OK marker as ASCII)
import fcntl
import hashlib
import os
import platform
import pwd
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dxdesk import __version__, provisioning, updater
from dxdesk.errors import SettingsError
from dxdesk.file_lock import flocked
from sync import deb_keep, deb_pending
from sync.protocol.release_manifest import (
    MAX_ARTIFACT_BYTES,
    MAX_MANIFEST_BYTES,
    ManifestError,
    parse_version,
    platform_of,
    verify,
)

COMMAND = "apply-deb-update"
RESOLVE = "--resolve"  # finish an update a power cut stopped (sync/deb_pending.py)
# apt, unattended-upgrades and software centres hold it while they work (daily on a
# desktop); dpkg alone would fail at once, and a failed rollback leaves a version
# that does not start. Taken as apt takes it (fcntl, whole file) and passed to dpkg.
FRONTEND_LOCK = Path("/var/lib/dpkg/lock-frontend")
FRONTEND_WAIT_S = 600.0
FRONTEND_LOCKED_ENV = "DPKG_FRONTEND_LOCKED"  # dpkg then leaves the frontend lock to us
EXIT_REFUSED = 3
EXIT_ROLLED_BACK = updater.DEB_ROLLED_BACK  # installed, did not start, the previous is back
EXIT_NOTHING = updater.DEB_NOTHING_PENDING  # --resolve: nothing (left) to finish
PROGRAM = Path("/opt/dxdesk/dxdesk")


@dataclass(frozen=True)
class Host:
    """Where the helper acts and how: the installed build's program, state folder,
    dpkg and clock when pkexec runs it; a test's stand-ins otherwise. ``user`` is
    the officer pkexec ran it for (the start check runs as them)."""

    program: Path = PROGRAM
    state: Path = deb_keep.STATE
    dpkg: Callable[[list[str]], int] | None = None  # None: dpkg itself
    watch: updater.Watch = field(default_factory=updater.Watch)
    user: tuple[int, int] | None = None
    frontend_lock: Path = FRONTEND_LOCK

    def run_dpkg(self, command: list[str]) -> int:
        return (self.dpkg or _dpkg)(command)


class RefusedError(Exception):
    """The package may not be installed; the message says why."""


class RolledBackError(RefusedError):
    """The new version was installed but did not start; the previous one is back."""

    def __init__(self, version: str, previous: str, problem: str) -> None:
        super().__init__(f"{version} did not start ({problem}); {previous} is back")
        self.version, self.previous, self.problem = version, previous, problem


def pinned_key(profile: Path | None = None) -> str:
    """The release key baked into the installed build (root-owned, under /opt)."""
    path = profile or provisioning.baked_profile_path()
    if path is None:
        raise RefusedError("this build has no site profile, so no release key is pinned")
    try:
        key = provisioning.load(path).release_public_key
    except SettingsError as exc:
        raise RefusedError(f"the installed site profile cannot be read: {exc}") from exc
    if not key:
        raise RefusedError("the installed site profile pins no release key")
    return key


def apply(
    manifest: Path, package: Path, key: str, installed: str = __version__, host: Host | None = None
) -> str:
    """Install ``package`` with dpkg if the pinned key signed it, and keep it if the
    host's program then starts (as its user); its version. Raises RefusedError, or
    RolledBackError when ``installed`` had to be put back."""
    host = host or Host()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine(), platform.machine())
    with (
        _one_at_a_time(host.state),
        tempfile.TemporaryDirectory(prefix="dxdesk-apply-") as folder,
    ):
        if deb_pending.exists(host.state):  # an update a power cut stopped: finished first
            try:
                _resolve(host)
            except RolledBackError as exc:
                # This program was just replaced by the previous version's: ask again.
                raise RefusedError(f"an interrupted update was finished first: {exc}; "
                                   "try again") from exc  # fmt: skip
        work = Path(folder)  # mode 0700
        manifest_copy, package_copy = work / "release", work / package.name
        _copy(manifest, manifest_copy, MAX_MANIFEST_BYTES)
        _copy(package, package_copy, MAX_ARTIFACT_BYTES)
        try:
            signed = verify(manifest_copy.read_bytes(), key)
        except ManifestError as exc:
            # The reason only: root read the file, its text is not echoed to the user.
            raise RefusedError(f"the update is refused: the manifest is {exc.reason}") from exc
        wanted = platform_of(package.name)
        if wanted != f"linux-{machine.lower()}-deb":
            raise RefusedError(f"{package.name} is not a dxdesk .deb for this machine")
        artifact = signed.artifact(wanted)
        if artifact is None or artifact.file_name != package.name:
            raise RefusedError(f"the signed release lists no {package.name}")
        data = package_copy.read_bytes()
        if len(data) != artifact.size or hashlib.sha256(data).hexdigest() != artifact.sha256:
            raise RefusedError(f"{package.name} is not the file the release key signed")
        if parse_version(signed.version) <= parse_version(installed):
            raise RefusedError(f"{signed.version} is not newer than the installed {installed}")
        with _package_manager(host.watch, host.frontend_lock):
            return _install(host, package_copy, signed.version, installed, work)


def _install(host: Host, package_copy: Path, version: str, installed: str, work: Path) -> str:
    """Keep the installed version, install, check it starts, else put it back: all
    under dpkg's frontend lock, so no other package manager comes in between."""
    try:
        name = deb_keep.control(package_copy)[0]
        # Before dpkg replaces a file: the version installed now, to come back to.
        previous = deb_keep.previous(name, installed, work, host.state)
    except (deb_keep.KeepError, OSError) as exc:
        reason = f"the installed version cannot be kept to come back to: {exc}"
        raise RefusedError(reason) from exc
    try:  # no dpkg -i that a power cut could leave unchecked without a trace
        deb_pending.write(host.state, deb_pending.Pending(name, version, installed, previous))
    except OSError as exc:
        raise RefusedError(f"the update cannot be recorded before it is installed: {exc}") from exc
    code = host.run_dpkg(["dpkg", "-i", str(package_copy)])
    problem = f"dpkg -i {package_copy.name} failed (exit code {code})" if code else ""
    problem = problem or _self_check(host)
    if not problem:
        # Cleared before the new package is kept: a cut in between leaves the kept
        # package of the previous version, which the next update rebuilds anyway.
        deb_pending.clear(host.state)
        with contextlib.suppress(OSError):  # else the next update rebuilds it
            deb_keep.keep(package_copy, host.state)  # the next update's way back
        return version
    if previous is None:
        deb_pending.clear(host.state)
        raise RefusedError(f"{problem}; no earlier version was installed to come back to")
    _roll_back(host, previous, name, installed)
    deb_pending.clear(host.state)
    raise RolledBackError(version, installed, problem)


def resolve(host: Host | None = None) -> str | None:
    """Finish the update a power cut or a kill stopped between ``dpkg -i`` and the
    end of its start check (sync/deb_pending.py): what was done, for the log and
    the officer; None when nothing was left to finish. Raises RolledBackError when
    the version it installed does not start and the previous one is back,
    RefusedError when it cannot be finished.

    It does not wait for another run of the helper: that one is installing, and
    the record is its own (a second dxdesk started meanwhile must not be told of
    an interruption, nor wait a minute for the check)."""
    host = host or Host()
    with _one_at_a_time(host.state, wait=False) as free:
        if not free:
            return None
        return _resolve(host)


def _resolve(host: Host) -> str | None:
    """Under the helper's own lock. What dpkg says is installed decides, so that a
    stale record never moves anything:

    - the previous version (dpkg -i never ran or failed, or the rollback ended):
      nothing to do;
    - another version (the administrator installed one by hand since), or none
      (removed since): nothing either, the record is stale;
    - the new version: its self-check again; kept if it starts, else the kept
      package of the previous version is installed again;
    - neither fully installed (dpkg -i was cut mid-way): the previous version again,
      as for a failed check.
    """
    try:
        record = deb_pending.read(host.state)
    except deb_pending.UntrustedRecordError as exc:
        raise RefusedError(str(exc)) from exc
    if record is None:
        return None
    with _package_manager(host.watch, host.frontend_lock):
        now = deb_keep.installed_version(record.package)
        removed = now is None and not deb_keep.wanted_installed(record.package)
        if removed or (now is not None and now != record.version):
            deb_pending.clear(host.state)  # stale: nothing is left to finish
            return None
        problem = (
            _self_check(host)
            if now == record.version
            else f"dpkg -i of {record.version} was cut before it ended"
        )
        if not problem:
            deb_pending.clear(host.state)
            return f"the interrupted update of {record.version} starts: it is kept"
        if record.kept is None:
            deb_pending.clear(host.state)
            raise RefusedError(f"{record.version}: {problem}; no earlier version to come back to")
        _roll_back(host, record.kept, record.package, record.previous)
        deb_pending.clear(host.state)
        raise RolledBackError(record.version, record.previous, problem)


@contextlib.contextmanager
def _package_manager(watch: updater.Watch, lock: Path) -> Iterator[None]:
    """dpkg's frontend lock, waited for (on ``watch``'s clock) while apt or another
    package manager holds it; dpkg is then told the frontend holds it for it."""
    handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        deadline = watch.clock() + FRONTEND_WAIT_S
        while True:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if watch.clock() >= deadline:
                    raise RefusedError(
                        f"another package manager kept {lock} for {FRONTEND_WAIT_S:.0f} s; "
                        "try again when it has finished"
                    ) from None
                watch.sleep(max(watch.poll_s, 1.0))
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _self_check(host: Host) -> str:
    """'' when the installed program says it started; run as the officer (the host's
    ``user``) with their home, the marker in a folder only they and root can write."""
    program, watch, user = host.program, host.watch, host.user
    folder = Path(tempfile.mkdtemp(prefix="dxdesk-started-"))
    env: dict[str, str] = {}
    try:
        if user is not None:
            os.chown(folder, *user)
            account = pwd.getpwuid(user[0])
            env = {"HOME": account.pw_dir, "USER": account.pw_name, "LOGNAME": account.pw_name}
        stopped = updater.self_check(
            program, folder / "started-ok", watch, cwd=Path("/"), user=user, extra_env=env
        )
        return "" if stopped is None else stopped.problem
    finally:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()


def _roll_back(host: Host, previous: Path, name: str, installed: str) -> None:
    """The one downgrade: the kept package of the version this run found installed."""
    if deb_keep.control(previous) != (name, installed):
        raise RefusedError(f"the kept {previous.name} is not {name} {installed}")
    code = host.run_dpkg(["dpkg", "-i", str(previous)])
    if code != 0 or deb_keep.installed_version(name) != installed:
        raise RefusedError(
            f"the new version did not start and {installed} could not be put back "
            f"(dpkg exit code {code}); as administrator: dpkg -i {previous}"
        )


@contextlib.contextmanager
def _one_at_a_time(state: Path, *, wait: bool = True) -> Iterator[bool]:
    """Two helpers at once would each keep the other's package. Yields False at
    once, without the lock, when ``wait`` is off and another run holds it."""
    # Others may look in (not list) it: the pending record is for the officer's dxdesk
    # to see (sync/deb_pending.py); the kept packages are in a folder of root's alone.
    state.mkdir(parents=True, exist_ok=True, mode=0o711)
    state.chmod(0o711)  # made 0700 by earlier versions
    with flocked(state / "lock", wait=wait) as held:
        yield held


def _copy(source: Path, target: Path, limit: int) -> None:
    """A regular file of at most ``limit`` bytes (not a device nor a pipe that root
    could be made to read forever), copied where only root can write."""
    try:
        with source.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise RefusedError(f"{source.name} is not a regular file")
            data = handle.read(limit + 1)
    except OSError as exc:
        raise RefusedError(f"{source.name} cannot be read ({exc.strerror})") from exc
    if len(data) > limit:
        raise RefusedError(f"{source.name} is larger than a release can be")
    target.write_bytes(data)


def _dpkg(command: list[str]) -> int:
    """Run only under :func:`_package_manager`, which holds the frontend lock."""
    env = {**os.environ, FRONTEND_LOCKED_ENV: "1"}
    return subprocess.run(command, check=False, env=env).returncode


def main(argv: Sequence[str], key: str | None = None, host: Host | None = None) -> int:
    """``dxdesk apply-deb-update MANIFEST PACKAGE`` or ``… --resolve``, run as root
    by pkexec. ``key`` (else the installed build's pinned one) and ``host`` (else the
    installed build's) are for a test's stand-in of the frozen program, which has
    none of the installed build's."""
    host = replace(host or Host(), user=_invoker())
    if list(argv) == [RESOLVE]:
        return resolve_command(host)
    if len(argv) != 2:
        print(f"usage: dxdesk {COMMAND} MANIFEST PACKAGE.deb | {RESOLVE}", file=sys.stderr)
        return 2
    try:
        version = apply(Path(argv[0]), Path(argv[1]), key or pinned_key(), host=host)
    except RolledBackError as exc:
        print(f"dxdesk-apply-update: {exc}", file=sys.stderr)
        return EXIT_ROLLED_BACK
    except RefusedError as exc:
        print(f"dxdesk-apply-update: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"dxdesk {version} installed")
    return 0


def resolve_command(host: Host | None = None) -> int:
    """``… --resolve``: it takes nothing the user chooses, only the record root
    wrote is acted on."""
    try:
        done = resolve(host)
    except RolledBackError as exc:
        print(f"dxdesk-apply-update: {exc}", file=sys.stderr)
        return EXIT_ROLLED_BACK
    except RefusedError as exc:
        print(f"dxdesk-apply-update: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    if done is None:
        return EXIT_NOTHING
    print(f"dxdesk-apply-update: {done}")
    return 0


def _invoker() -> tuple[int, int] | None:
    """The user pkexec ran us for (uid, their primary gid); None when root ran us."""
    try:
        uid = int(os.environ["PKEXEC_UID"])
        return uid, pwd.getpwuid(uid).pw_gid
    except (KeyError, ValueError):
        return None
