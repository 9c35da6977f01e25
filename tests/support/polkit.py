"""A private system bus with a real polkitd on it, and unprivileged local users
whose processes reach it the way a desktop user's do, for the .deb update's
``pkexec`` path (tests/sync/test_deb_polkit.py). Needs root.

What is private, and why it must be done this way:

- ``pkexec`` is setuid, so GLib ignores ``DBUS_SYSTEM_BUS_ADDRESS`` for it and it
  always connects to ``/run/dbus/system_bus_socket``. The users' processes
  therefore run in a mount namespace of their own where ``/run`` is a folder of
  ours holding our bus's socket; no host path is touched.
- polkitd reads its actions and rules from fixed folders (``/usr/share/polkit-1/
  actions``, ``/etc/polkit-1/rules.d``, ``/usr/share/polkit-1/rules.d``); it runs in
  a mount namespace of its own where those are folders of ours, so the host's own
  rules and actions neither count nor change. It honours ``DBUS_SYSTEM_BUS_ADDRESS``
  (it is not setuid), so it joins our bus.
- A folder on the way to this Python or to the repository may be closed to other
  users (here the interpreter lives under ``/root``, mode 0700): in the users'
  namespace such a folder is replaced by one that holds only the way through, so
  the officer runs this very interpreter and checkout, as the frozen app would run
  its own files.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
POLKITD_CANDIDATES = ("/usr/lib/polkit-1/polkitd", "/usr/libexec/polkitd")
# The folders polkitd reads (fixed at its build); the first must exist.
ACTIONS = Path("/usr/share/polkit-1/actions")
# polkit's own actions (pkexec's generic org.freedesktop.policykit.exec among them,
# which pkexec asks about for a program no action's exec.path names): loaded too.
POLKIT_OWN = ACTIONS / "org.freedesktop.policykit.policy"
RULES = (Path("/etc/polkit-1/rules.d"), Path("/usr/share/polkit-1/rules.d"))
MARK = "dxdesk test user (tests/support/polkit.py)"
READY_S = 30.0

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


def polkitd() -> str | None:
    return next((p for p in POLKITD_CANDIDATES if os.access(p, os.X_OK)), None)


def unavailable() -> str | None:
    """Why this cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (to add users, start polkitd and install packages)"
    tools = ("pkexec", "pkaction", "dbus-daemon", "unshare", "setpriv", "useradd", "dpkg-deb")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if polkitd() is None:
        missing.append("polkitd")
    if missing:
        return f"needs {', '.join(missing)} (./dx test installs them)"
    if not ACTIONS.is_dir():
        return f"polkit's {ACTIONS} is missing"
    if not os.stat(shutil.which("pkexec") or "pkexec").st_mode & stat.S_ISUID:
        return "pkexec is not setuid here"
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    if probe.returncode != 0:  # a container without CAP_SYS_ADMIN
        return f"cannot make a mount namespace here: {probe.stderr.strip()}"
    return None


def world_folder(prefix: str) -> Path:
    """A folder that other users (the officer, polkitd's own user) may enter."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


@dataclass(frozen=True)
class Bus:
    root: Path  # world-searchable; ours
    run: Path  # mounted on /run in the users' namespace: run/dbus/system_bus_socket

    @property
    def address(self) -> str:
        return f"unix:path={self.run / 'dbus' / 'system_bus_socket'}"


@contextlib.contextmanager
def _process(command: Sequence[str], **options: object) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(list(command), text=True, **options)  # type: ignore[call-overload]
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _private_mounts(mounts: Sequence[tuple[Path, Path]], then: Sequence[str]) -> list[str]:
    """``then`` run in a mount namespace of its own where each (source, target) of
    ``mounts`` is bind-mounted in order; nothing propagates back to the host."""
    steps = [f"mount --rbind {shlex.quote(str(a))} {shlex.quote(str(b))}" for a, b in mounts]
    script = " && ".join([*steps, 'exec "$@"'])
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh",
            *then]  # fmt: skip


@contextlib.contextmanager
def running(root: Path, actions: Path, rules: Path) -> Iterator[Bus]:
    """dbus-daemon (a system bus) and polkitd on it, reading only ``actions`` (with
    polkit's own added) and ``rules``; both stopped afterwards."""
    run = root / "run"
    (run / "dbus").mkdir(parents=True)
    run.chmod(0o755)
    (run / "dbus").chmod(0o755)
    bus = Bus(root, run)
    config = root / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket=run / "dbus" / "system_bus_socket"), "utf-8")
    empty = root / "no-rules"
    empty.mkdir()
    if POLKIT_OWN.is_file():
        shutil.copy(POLKIT_OWN, actions / POLKIT_OWN.name)
    for folder in (actions, rules, empty):
        folder.chmod(0o755)
    daemon = ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"]
    with _process(daemon, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as dbus:
        assert dbus.stdout is not None
        assert dbus.stdout.readline().startswith("unix:"), "dbus-daemon did not start"
        mounts = [(actions, ACTIONS), (rules, RULES[0])]
        mounts += [(empty, folder) for folder in RULES[1:] if folder.is_dir()]
        log = root / "polkitd.log"
        env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": bus.address}
        with (
            log.open("w", encoding="utf-8") as out,
            _process(_private_mounts(mounts, [polkitd() or "polkitd", "--no-debug"]),
                     env=env, stdout=out, stderr=subprocess.STDOUT) as daemon_process,
        ):  # fmt: skip
            _wait_ready(bus, daemon_process, log)
            yield bus


def _wait_ready(bus: Bus, daemon: subprocess.Popen[str], log: Path) -> None:
    """Until polkitd answers on the bus (it has no readiness signal of its own)."""
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise AssertionError(f"polkitd stopped: {log.read_text(encoding='utf-8')}")
        if pkaction(bus).returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"polkitd did not answer in {READY_S:.0f} s: {log.read_text('utf-8')}")


def pkaction(bus: Bus, *args: str) -> subprocess.CompletedProcess[str]:
    """polkit's own listing of the actions the daemon loaded (root, not setuid)."""
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": bus.address}
    return subprocess.run(["pkaction", *args], env=env, capture_output=True, text=True,
                          check=False, timeout=30)  # fmt: skip


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: Path


@contextlib.contextmanager
def local_user(name: str, home: Path) -> Iterator[User]:
    """An unprivileged local account (no login shell), removed afterwards; one a
    crashed run left behind (marked as ours) is removed first."""
    with contextlib.suppress(KeyError):
        if pwd.getpwnam(name).pw_gecos != MARK:
            raise AssertionError(f"a user {name} exists here and is not this test's")
        subprocess.run(["userdel", name], check=True, capture_output=True)
    subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--comment", MARK,
                    "--home-dir", str(home), "--shell", "/usr/sbin/nologin", name],
                   check=True, capture_output=True)  # fmt: skip
    try:
        account = pwd.getpwnam(name)
        home.mkdir(mode=0o700)
        os.chown(home, account.pw_uid, account.pw_gid)
        yield User(name, account.pw_uid, account.pw_gid, home)
    finally:
        subprocess.run(["userdel", name], check=True, capture_output=True)


def _closed_on_the_way(paths: Sequence[Path]) -> dict[Path, set[str]]:
    """Each folder on the way to ``paths`` that others may not enter, with the
    names inside it that the way goes through."""
    closed: dict[Path, set[str]] = {}
    for path in paths:
        parts = path.resolve().parts
        for depth in range(1, len(parts)):
            folder = Path(*parts[:depth])
            if not folder.stat().st_mode & stat.S_IXOTH:
                closed.setdefault(folder, set()).add(parts[depth])
    return closed


def as_user(user: User, bus: Bus, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """``command`` run as ``user``, in its own session (no terminal: pkexec can ask
    no password), in a mount namespace where ``/run`` is the bus's and the folders
    on the way to this interpreter and checkout are open (see the module's doc)."""
    needed = [Path(sys.executable), Path(sys.base_prefix), REPO]
    mounts: list[tuple[Path, Path]] = []
    views = world_folder("dxdesk-view-")
    try:
        # The deepest first: a folder's view then takes in the views below it.
        closed = _closed_on_the_way(needed)
        for index, folder in enumerate(sorted(closed, key=lambda p: -len(p.parts))):
            view = views / str(index)
            view.mkdir(mode=0o755)
            for name in sorted(closed[folder]):
                inside = folder / name
                (view / name).mkdir() if inside.is_dir() else (view / name).touch()
                mounts.append((inside, view / name))
            mounts.append((view, folder))
        mounts.append((bus.run, Path("/run")))
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(user.home),
               "USER": user.name, "LOGNAME": user.name, "LANG": "C.UTF-8",
               "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip
        drop = ["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--init-groups", "--"]
        return subprocess.run(
            _private_mounts(mounts, [*drop, *command]), env=env, cwd=user.home,
            capture_output=True, text=True, check=False, start_new_session=True, timeout=300,
        )  # fmt: skip
    finally:
        shutil.rmtree(views)
