"""Installing a verified update of a portable Linux install, and undoing a bad one.

The caller (``sync.update_cli``) has already checked the archive's signature and
hash; this module only unpacks, switches and watches. A portable install that has
been updated once looks like this (the officer's shortcut runs ``APP/dxdesk``)::

    APP/dxdesk          -> current/dxdesk
    APP/current         -> versions/0.2.0         (switched with one atomic rename)
    APP/versions/0.1.0/ the previous version, kept to come back to
    APP/versions/0.2.0/
    APP/dxdesk-data/    the officer's data: never touched here (dxdesk.paths)

A first update turns the flat folder the archive unpacked into that layout
(``dxdesk.portable_layout``: safe against a power cut at any moment). The new
version must report "started OK" (``dxdesk self-check`` writes the file named by
``STARTED_OK_ENV``) within a bounded time before ``current`` is switched to it;
otherwise the new one is removed, ``current`` stays on the previous version and the
failure is reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bsdiff4

from dxdesk import disk, portable_layout
from dxdesk.errors import DxdeskError
from dxdesk.messages import Message
from dxdesk.paths import portable_home
from dxdesk.portable_layout import CURRENT, PORTABLE_MARKER, PROGRAM, VERSIONS

STARTED_OK_ENV = "DXDESK_STARTED_OK"
STARTED_OK = "ok"
START_TIMEOUT_S = 60.0


class UpdateError(DxdeskError):
    """The update cannot be installed; the install is as it was. ``text`` is the
    detail for the log; ``message`` what the officer reads, in their language."""

    def __init__(self, text: str, message: Message | None = None) -> None:
        super().__init__(text, message or Message("update_not_installed"))


def _damaged(text: str) -> UpdateError:
    return UpdateError(text, Message("update_damaged"))


def _unusable_delta(text: str) -> UpdateError:
    return UpdateError(text, Message("update_delta_unusable"))


def _no_space_or(exc: OSError, where: Path, otherwise: UpdateError) -> UpdateError:
    """A full disk is said as such (the officer can free space); else ``otherwise``."""
    named = disk.disk_error(exc, where)
    if named is not None and named.message is not None and named.message.code == "disk_full":
        return UpdateError(str(otherwise), Message("update_no_space", {"path": str(where)}))
    return otherwise


@dataclass(frozen=True)
class Outcome:
    installed: bool
    version: str
    previous: str
    problem: str = ""  # why the new version was rolled back (for the log)
    said: Message | None = None  # the same for the officer, in their language

    def message(self) -> Message:
        """What the officer is told of a rollback."""
        if self.said is not None:
            return self.said
        return Message("update_rolled_back_not_run",
                       {"version": self.version, "previous": self.previous})  # fmt: skip


@dataclass(frozen=True)
class Watch:
    """How long the new version has to say it started, and how time passes
    (injected: tests decide the clock, they never sleep)."""

    timeout_s: float = START_TIMEOUT_S
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    poll_s: float = 0.2


def current_version(app: Path) -> str | None:
    return portable_layout.current_version(app)


def _unpack(archive: Path, target: Path) -> None:
    """The archive's ``dxdesk/`` folder into ``target``; nothing outside it, no links
    out, no devices (tarfile's ``data`` filter)."""
    shutil.rmtree(target, ignore_errors=True)
    unpacked = target.with_name(target.name + ".tar")
    shutil.rmtree(unpacked, ignore_errors=True)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(unpacked, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        shutil.rmtree(unpacked, ignore_errors=True)
        error = _damaged(f"the update archive cannot be unpacked: {exc}")
        raise (
            _no_space_or(exc, target.parent, error) if isinstance(exc, OSError) else error
        ) from exc
    program = unpacked / PROGRAM / PROGRAM
    if not program.is_file() or not os.access(program, os.X_OK):
        shutil.rmtree(unpacked, ignore_errors=True)
        raise _damaged("the update archive holds no dxdesk program")
    os.rename(unpacked / PROGRAM, target)
    shutil.rmtree(unpacked, ignore_errors=True)
    (target / PORTABLE_MARKER).touch()


DELTA_MARKER = ".dxdesk-delta"
DELTA_PATCHES = ".dxdesk-patches"


def _assemble(delta: Path, base: Path, target: Path) -> None:
    """The new version's tree from the one installed (``base``) and a delta holding
    the files that changed, whole or as binary patches
    (``sync/server/release_delta.py``); every file is checked against the delta's
    index before the tree can be switched to."""
    if not (base / PROGRAM).is_file():
        raise _unusable_delta(f"the delta builds on version {base.name}, which is not installed")
    unpacked = target.with_name(target.name + ".delta")
    shutil.rmtree(unpacked, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    try:
        with tarfile.open(delta, "r:gz") as tar:
            tar.extractall(unpacked, filter="data")
        changed = unpacked / PROGRAM
        marker = json.loads((changed / DELTA_MARKER).read_text(encoding="utf-8"))
        if marker.get("base") != base.name:
            raise _unusable_delta(f"the delta builds on {marker.get('base')}, not on {base.name}")
        (changed / DELTA_MARKER).unlink()
        patches = changed / DELTA_PATCHES
        if patches.is_dir():  # format 2; laid over separately, not as files of the app
            os.rename(patches, unpacked / DELTA_PATCHES)
        shutil.copytree(base, target, symlinks=True,
                        ignore=shutil.ignore_patterns(".started-ok"))  # fmt: skip
        _apply(changed, target, marker.get("removed", []))
        _patch(unpacked, target, marker.get("patched", {}))
        _verify(target, marker.get("files", {}))
    except UpdateError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    except (tarfile.TarError, OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        error = _unusable_delta(f"the update delta cannot be applied: {exc}")
        raise (
            _no_space_or(exc, target.parent, error) if isinstance(exc, OSError) else error
        ) from exc
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
    program = target / PROGRAM
    if not program.is_file() or not os.access(program, os.X_OK):
        shutil.rmtree(target, ignore_errors=True)
        raise _unusable_delta("the update delta leaves no dxdesk program")


def _inside(root: Path, name: str, folder: str = PROGRAM) -> Path:
    """``root``'s path for an archive name ``folder/…``; refused when it leads out."""
    path = (root / Path(name).relative_to(folder)).resolve()
    if not path.is_relative_to(root.resolve()):
        raise _unusable_delta(f"the delta names a path outside the program: {name}")
    return path


def _apply(changed: Path, target: Path, removed: list[str]) -> None:
    """Remove what the new version no longer has, then lay the changed files over."""
    for name in removed:
        gone = _inside(target, name)
        if gone.is_dir() and not gone.is_symlink():
            shutil.rmtree(gone)
        else:
            gone.unlink(missing_ok=True)
    for source in sorted(changed.rglob("*")):
        destination = target / source.relative_to(changed)
        if source.is_dir() and not source.is_symlink():
            destination.mkdir(exist_ok=True)
            continue
        if destination.is_dir() and not destination.is_symlink():
            shutil.rmtree(destination)
        os.replace(source, destination)


def _patch(unpacked: Path, target: Path, patched: dict[str, str]) -> None:
    """Rebuild each patched file from the base version's copy (now in ``target``)."""
    for name, patch_name in patched.items():
        path = _inside(target, name)
        patch = _inside(unpacked / DELTA_PATCHES, patch_name, f"{PROGRAM}/{DELTA_PATCHES}")
        try:
            rebuilt = bsdiff4.patch(path.read_bytes(), patch.read_bytes())
        except (ValueError, OSError) as exc:  # bsdiff4: a bad header, a broken bz2 stream
            raise _unusable_delta(f"the update delta's patch for {name} is damaged: {exc}") from exc
        fresh = path.with_name(path.name + ".patched")
        fresh.write_bytes(rebuilt)
        shutil.copymode(path, fresh)
        os.replace(fresh, path)


def _verify(target: Path, files: dict[str, str]) -> None:
    """Every file of the new version as its release has it (format 2's index): a
    wrong patch, or a base file changed on this disk, is caught here."""
    for name, expected in files.items():
        path = _inside(target, name)
        digest = hashlib.sha256()
        try:
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except FileNotFoundError:
            raise _unusable_delta(f"the update delta leaves out {name}") from None
        if digest.hexdigest() != expected:
            raise _unusable_delta(f"the update delta rebuilds {name} wrongly")


@dataclass(frozen=True)
class NoStart:
    problem: str  # for the log
    code: str  # the message code of the rollback
    params: dict[str, object]


def _started(app: Path, version: str, watch: Watch) -> NoStart | None:
    """None when the new version, run from its own folder (it finds the same data
    folder there: dxdesk.paths), said it started within the time; else why not."""
    folder = app / VERSIONS / version
    return self_check(folder / PROGRAM, folder / ".started-ok", watch, cwd=app)


def self_check(
    program: Path,
    marker: Path,
    watch: Watch,
    cwd: Path,
    user: tuple[int, int] | None = None,
    extra_env: dict[str, str] | None = None,
) -> NoStart | None:
    """Run ``program self-check`` (as ``user``, a uid and gid, when given) and wait,
    on ``watch``'s clock, for it to write "ok" into ``marker``: None when it did, else
    why not. The .deb's root helper uses it too (sync/deb_apply.py)."""
    marker.unlink(missing_ok=True)
    env = {**os.environ, **(extra_env or {}), STARTED_OK_ENV: str(marker)}
    uid, gid = user if user is not None else (None, None)
    try:
        process = subprocess.Popen(
            [str(program), "self-check"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            user=uid,
            group=gid,
            extra_groups=None if user is None else [],
        )
    except OSError as exc:
        return NoStart(f"the new version cannot be run ({exc.strerror or exc})",
                        "update_rolled_back_not_run", {})  # fmt: skip
    deadline = watch.clock() + watch.timeout_s
    try:
        while True:
            if _said_ok(marker):
                return None
            code = process.poll()
            if code is not None and not _said_ok(marker):
                return NoStart(f"the new version stopped at start (exit code {code})",
                                "update_rolled_back_exit", {"code": code})  # fmt: skip
            if watch.clock() >= deadline:
                seconds = f"{watch.timeout_s:.0f}"
                return NoStart(f"the new version did not start within {seconds} s",
                                "update_rolled_back_timeout", {"seconds": seconds})  # fmt: skip
            watch.sleep(watch.poll_s)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _said_ok(marker: Path) -> bool:
    try:
        return marker.read_text(encoding="ascii").strip() == STARTED_OK
    except (OSError, UnicodeDecodeError):
        return False


def install_portable(
    app: Path,
    archive: Path,
    version: str,
    running_version: str,
    watch: Watch | None = None,
    delta_base: str | None = None,
) -> Outcome:
    """Unpack ``archive`` beside the running version (or, for a delta from
    ``delta_base``, rebuild the new tree from that version's), switch to it, and keep
    it only if it starts; the officer's data folder is never touched."""
    watch = watch or Watch()
    try:
        previous = portable_layout.make_versioned(app, running_version)
    except portable_layout.LayoutError as exc:
        raise UpdateError(str(exc)) from exc
    if previous == version:
        raise UpdateError(f"dxdesk {version} is already installed",
                          Message("update_already_installed", {"version": version}))  # fmt: skip
    target = app / VERSIONS / version
    if delta_base is None:
        _unpack(archive, target)
    else:
        _assemble(archive, app / VERSIONS / delta_base, target)
    # Checked before the switch, so that a power cut while it runs leaves the
    # shortcut on the previous version, never on one that did not start yet.
    stopped = _started(app, version, watch)
    if stopped is not None:
        shutil.rmtree(target, ignore_errors=True)  # the previous one stays
        said = Message(stopped.code, {**stopped.params, "version": version, "previous": previous})
        return Outcome(False, version, previous, stopped.problem, said)
    # On the disk before the switch: after a power cut, ``current`` must not lead to
    # files whose bytes were still in the page cache.
    portable_layout.sync_tree(target)
    portable_layout.symlink(f"{VERSIONS}/{version}", app / CURRENT)
    _prune(app, keep={version, previous})
    return Outcome(True, version, previous)


def _prune(app: Path, keep: set[str]) -> None:
    """Versions older than the previous one are no longer needed to come back to."""
    for folder in (app / VERSIONS).iterdir():
        if folder.name not in keep and not folder.name.startswith("."):
            with contextlib.suppress(OSError):
                shutil.rmtree(folder)


def started_ok_file() -> Path | None:
    """Where the updater waits for this program to say it started (if it does)."""
    named = os.environ.get(STARTED_OK_ENV)
    return Path(named) if named else None


def note_failed(folder: Path, version: str, problem: str) -> None:
    """Remember that ``version`` did not start here, so it is not offered again."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    (folder / f"failed-{version}").write_text(problem + "\n", encoding="utf-8")


def failed_before(folder: Path, version: str) -> bool:
    return (folder / f"failed-{version}").exists()


def failure_noted(folder: Path, version: str) -> str:
    """Why ``version`` did not start here ('' when not known)."""
    try:
        return (folder / f"failed-{version}").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def installed_platform() -> str | None:
    """The release platform of this installation (docs/protocol.md, "Updates"); None
    for a development checkout, which is never updated this way."""
    if not getattr(sys, "frozen", False):
        return None
    if sys.platform == "win32":
        return "windows-setup"
    machine = platform.machine().lower()
    if portable_home() is not None:
        return f"linux-{machine}-portable"
    if Path(sys.executable).resolve().is_relative_to("/opt/dxdesk"):
        return f"linux-{machine}-deb"
    return None


def portable_app_dir() -> Path | None:
    """The folder of a portable install (the one holding ``dxdesk-data``)."""
    home = portable_home()
    return home.parent if home is not None else None


APPLY_DEB_HELPER = "/opt/dxdesk/dxdesk-apply-update"
# The helper's exit code when the new version did not start and the previous one
# was put back (sync/deb_apply.py); 3 is a refusal, pkexec's own are 126 and 127.
DEB_ROLLED_BACK = 4
DEB_NOTHING_PENDING = 5  # ``--resolve`` found nothing left to finish


def deb_command(manifest: Path, package: Path) -> list[str]:
    """Installing a .deb needs root: pkexec runs the helper the .deb ships, which
    polkit allows the local desktop user without a password and which installs only
    a package the pinned release key signed (sync/deb_apply.py)."""
    return ["pkexec", APPLY_DEB_HELPER, str(manifest), str(package)]


# Finishes an update a power cut stopped between dpkg -i and its start check
# (sync/deb_pending.py): the same helper, asked for nothing but root's own record.
RESOLVE_DEB_COMMAND = ("pkexec", APPLY_DEB_HELPER, "--resolve")


def windows_command(setup: Path) -> list[str]:
    """The Inno Setup installer, per user, silently (not run here: no Windows)."""
    return [str(setup), "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", "/CURRENTUSER",
            "/CLOSEAPPLICATIONS"]  # fmt: skip


def relaunch_command(app: Path | None, arguments: Sequence[str]) -> list[str] | None:
    """What starts the version just installed, as the officer's shortcut would: a
    portable install's ``APP/dxdesk`` (``current`` now points at the new version), or
    a .deb's program (dpkg replaced it in place). None where dxdesk cannot restart
    itself: a development checkout, and Windows (docs/cli.md)."""
    if app is not None:
        return [str(app / PROGRAM), *arguments]
    found = installed_platform()
    if found is not None and found.endswith("-deb"):
        return [sys.executable, *arguments]
    return None


def start_detached(command: Sequence[str]) -> subprocess.Popen[bytes]:
    """Start ``command`` as a process of its own that outlives this one (its own
    session: closing this one's terminal or process group does not end it)."""
    return subprocess.Popen(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
        cwd=Path(command[0]).parent,
    )
