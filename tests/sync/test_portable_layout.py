"""The first update's move of a flat portable install into ``versions/``, stopped at
every step (an exception, or a real SIGKILL of a real process doing the move), then
recovered: the launcher runs a complete version at every moment, the next update
installs, and the officer's data folder is untouched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dxdesk import __version__, portable_layout, updater
from dxdesk.paths import portable_home
from tests.sync import releases

REPO = Path(__file__).resolve().parents[2]
# Like a PyInstaller program, it cannot start without the files beside it.
NEEDS_ITS_FILES = (
    "#!/bin/sh\n"
    'here=$(dirname "$(readlink -f "$0")")\n'
    '[ -f "$here/_internal/VERSION" ] && [ -f "$here/_internal/lib/libQt.so" ] '
    '&& [ -f "$here/portable" ] || exit 127\n'
    '[ -n "$DXDESK_STARTED_OK" ] && printf ok > "$DXDESK_STARTED_OK"\n'
    "exit 0\n"
)
EXTRA = {"_internal/lib/libQt.so": b"\x7fELF" + bytes(4096), "LICENSE.txt": b"MIT\n"}
CHILD = """
import os, signal, sys
from pathlib import Path
from dxdesk import portable_layout
stop, seen = int(sys.argv[2]), []
def crash(step):
    seen.append(step)
    if len(seen) > stop:
        os.kill(os.getpid(), signal.SIGKILL)
portable_layout.make_versioned(Path(sys.argv[1]), "0.1.0", crash)
"""


class StoppedError(Exception):
    pass


def _flat(tmp: Path, name: str, program: str = NEEDS_ITS_FILES) -> Path:
    """0.1.0 unpacked flat, with the officer's data beside it."""
    archive = releases.archive(tmp / f"build-{name}", "0.1.0", program, extra=EXTRA)
    app = releases.unpacked(archive, tmp / name)
    data = app / "dxdesk-data"
    (data / "users" / "cb").mkdir(parents=True)
    (data / "settings.toml").write_text('server_url = "https://x"\n', encoding="utf-8")
    (data / "users" / "cb" / "store.db").write_bytes(os.urandom(2048))
    return app


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    return {
        str(p.relative_to(folder)): (
            p.read_bytes() if p.is_file() else b"",
            p.stat().st_ino,
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
    }


def _files(folder: Path) -> set[str]:
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).parts[0] not in portable_layout.RESERVED
    }


def _starts(app: Path, complete: set[str]) -> None:
    """The officer's shortcut starts a complete 0.1.0 that finds its data folder."""
    program = (app / "dxdesk").resolve()
    assert _files(program.parent) == complete
    marker = app.parent / "started"
    marker.unlink(missing_ok=True)
    subprocess.run([str(app / "dxdesk")], env={**os.environ, updater.STARTED_OK_ENV:
                   str(marker)}, check=True, timeout=30)  # fmt: skip
    assert marker.read_text() == "ok"
    assert portable_home(str(program)) == app / "dxdesk-data"


def _tidy(app: Path) -> None:
    """Flat as unpacked, or versioned with no flat leftovers; no journal."""
    assert not (app / ".update" / portable_layout.JOURNAL).exists()
    names = {p.name for p in app.iterdir()}
    if updater.current_version(app) is None:
        assert not (app / "versions").exists()
        assert (app / "dxdesk").is_file() and not (app / "dxdesk").is_symlink()
    else:
        assert names <= {"dxdesk", "current", "versions", "dxdesk-data", ".update"}
        assert sorted(p.name for p in (app / "versions").iterdir()) == ["0.1.0"]


def _kill_move_at(app: Path, stop: int) -> None:
    """A real first move of ``app``, SIGKILLed by itself at step ``stop``."""
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(app), str(stop)],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr


def _program_env() -> dict[str, str]:
    """The environment of a program started from its icon: no test home, no display."""
    unset = ("DXDESK_HOME", "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    return {k: v for k, v in os.environ.items() if k not in unset}


def _steps(tmp: Path) -> list[str]:
    seen: list[str] = []
    app = _flat(tmp, "probe")
    portable_layout.make_versioned(app, "0.1.0", seen.append)
    return seen


def _next_update_installs(app: Path, tmp: Path, complete: set[str]) -> None:
    archive = releases.archive(tmp / "build-0.2.0", "0.2.0")
    outcome = updater.install_portable(app, archive, "0.2.0", "0.1.0")
    assert outcome.installed and outcome.previous == "0.1.0"
    assert _files(app / "versions" / "0.1.0") == complete  # there to come back to
    assert (app / "dxdesk").resolve() == (app / "versions" / "0.2.0" / "dxdesk").resolve()


def test_the_steps_are_the_ones_this_test_stops_at(tmp_path: Path) -> None:
    steps = _steps(tmp_path)
    assert len(steps) == 13  # the killed test's parameters
    assert steps[0] == "journal" and steps[-1] == "done"
    assert {"sync", "rename", "current", "commit", "link _internal", "remove _internal"} <= set(
        steps
    )


def test_a_move_stopped_by_an_error_at_any_step_is_recovered(tmp_path: Path) -> None:
    steps = _steps(tmp_path)
    for stop, step in enumerate(steps):
        app = _flat(tmp_path, f"raise-{stop}")
        complete, data = _files(app), _snapshot(app / "dxdesk-data")

        def crash(name: str, at: str = step) -> None:
            if name == at:
                raise StoppedError(name)

        with pytest.raises(StoppedError):
            portable_layout.make_versioned(app, "0.1.0", crash)
        _starts(app, complete)
        portable_layout.recover(app)  # what the next start or update does first
        _tidy(app)
        _starts(app, complete)
        _next_update_installs(app, tmp_path, complete)
        assert _snapshot(app / "dxdesk-data") == data, step


@pytest.mark.parametrize("stop", range(13))
def test_a_move_killed_at_any_step_is_recovered_by_the_next_update(
    tmp_path: Path, stop: int
) -> None:
    steps = _steps(tmp_path)
    app = _flat(tmp_path, "usb")
    complete, data = _files(app), _snapshot(app / "dxdesk-data")
    _kill_move_at(app, stop)
    _starts(app, complete)
    _next_update_installs(app, tmp_path, complete)
    assert not (app / ".update" / portable_layout.JOURNAL).exists()
    assert _snapshot(app / "dxdesk-data") == data, steps[stop]


# The real launcher (ui/launcher.py, this checkout) as the frozen program runs it:
# sys.executable is the program's own real path, as PyInstaller's bootloader sets it.
FROZEN = (
    "import sys; sys.frozen = True; sys.executable = sys.argv.pop(1); "
    "from ui.launcher import main; sys.exit(main())"
)
LAUNCHES = (
    "#!/bin/sh\n"
    'here=$(dirname "$(readlink -f "$0")")\n'
    '[ -f "$here/_internal/VERSION" ] && [ -f "$here/_internal/lib/libQt.so" ] '
    '&& [ -f "$here/portable" ] || exit 127\n'
    f'PYTHONPATH="{REPO}" exec "{sys.executable}" -c "{FROZEN}" "$here/dxdesk" "$@"\n'
)


@pytest.mark.parametrize(
    ("step", "done"),
    [("link _internal", "undone"), ("commit", "undone"), ("remove _internal", "finished")],
)
def test_a_move_killed_midway_is_finished_by_the_next_start_of_the_program(
    tmp_path: Path, step: str, done: str
) -> None:
    """Before, the journal stayed until the next update: the start now finishes (after
    the commit) or undoes (before it) the move, logs which, and starts as usual."""
    stop = _steps(tmp_path).index(step)
    app = _flat(tmp_path, "usb", LAUNCHES)
    complete, data = _files(app), _snapshot(app / "dxdesk-data")
    _kill_move_at(app, stop)
    assert (app / ".update" / portable_layout.JOURNAL).exists()
    env = _program_env()
    started = subprocess.run([str(app / "dxdesk"), "--version"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip().endswith(__version__)
    _tidy(app)
    assert _files((app / "dxdesk").resolve().parent) == complete
    assert (updater.current_version(app) is None) == (done == "undone")
    log = (app / "dxdesk-data" / "logs" / "dxdesk.log").read_text(encoding="utf-8")
    assert f"the interrupted move of {app} into versions/ was {done}" in log
    after = _snapshot(app / "dxdesk-data")
    assert {name: after[name] for name in data} == data


def test_a_start_while_another_dxdesk_is_moving_leaves_the_move_to_it(tmp_path: Path) -> None:
    app = _flat(tmp_path, "usb", LAUNCHES)
    stop = _steps(tmp_path).index("rename")
    _kill_move_at(app, stop)
    env = _program_env()
    journal = app / ".update" / portable_layout.JOURNAL
    with portable_layout.moving(app, wait=False) as free:  # as the other dxdesk does
        assert free
        subprocess.run([str(app / "dxdesk"), "--version"], env=env, capture_output=True,
                       timeout=60, check=True)  # fmt: skip
        assert journal.exists() and (app / "versions" / ".0.1.0.moving").is_dir()
    log = app / "dxdesk-data" / "logs" / "dxdesk.log"
    assert "was left to the dxdesk moving it" in log.read_text(encoding="utf-8")
    subprocess.run([str(app / "dxdesk"), "--version"], env=env, capture_output=True,
                   timeout=60, check=True)  # fmt: skip
    _tidy(app)


# The new version writes its pid (so the test can end it) and never says it started;
# the installing process is killed while it waits, as a power cut would stop it.
HANGS_WITH_PID = (
    '#!/bin/sh\nat="$(dirname "$DXDESK_STARTED_OK")/../../pid"\n'
    'echo $$ > "$at.new" && mv "$at.new" "$at"\nexec sleep 600\n'
)
KILLED_WHILE_WAITING = """
import os, signal, sys, time
from pathlib import Path
from dxdesk import updater
def sleep(_seconds):
    deadline = time.monotonic() + 30
    while not (Path(sys.argv[1]) / "pid").exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # the new version is running: it wrote its pid
    os.kill(os.getpid(), signal.SIGKILL)
watch = updater.Watch(timeout_s=60, sleep=sleep, poll_s=1)
updater.install_portable(Path(sys.argv[1]), Path(sys.argv[2]), "0.3.0", "0.1.0", watch)
"""


def test_an_install_killed_while_the_new_version_starts_leaves_the_previous_one(
    tmp_path: Path,
) -> None:
    app = _flat(tmp_path, "usb")
    complete, data = _files(app), _snapshot(app / "dxdesk-data")
    archive = releases.archive(tmp_path / "build-0.3.0", "0.3.0", HANGS_WITH_PID)
    child = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_WAITING, str(app), str(archive)],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    pid = app / "pid"
    try:
        assert child.returncode == -signal.SIGKILL, child.stderr
    finally:
        if pid.exists():  # the hanging 0.3.0 the killed installer left running
            os.kill(int(pid.read_text()), signal.SIGKILL)
            pid.unlink()
    assert updater.current_version(app) == "0.1.0"
    _starts(app, complete)
    _next_update_installs(app, tmp_path, complete)
    assert not (app / "versions" / "0.3.0").exists()  # the next update tidied it
    assert _snapshot(app / "dxdesk-data") == data


def test_the_new_version_is_on_the_disk_before_current_leads_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A power cut right after the switch must not find files still in the page
    cache: each of the new version's files is flushed while ``current`` still leads
    to the previous one. (os.fsync is watched, not replaced.)"""
    app = _flat(tmp_path, "usb")
    portable_layout.make_versioned(app, "0.1.0")
    flushed: dict[int, str | None] = {}
    real_fsync = os.fsync

    def watched(fd: int) -> None:
        real_fsync(fd)
        flushed.setdefault(os.fstat(fd).st_ino, updater.current_version(app))

    monkeypatch.setattr(os, "fsync", watched)
    archive = releases.archive(tmp_path / "build-0.2.0", "0.2.0", extra=EXTRA)
    assert updater.install_portable(app, archive, "0.2.0", "0.1.0").installed
    new = [p for p in (app / "versions" / "0.2.0").rglob("*") if p.name != ".started-ok"]
    assert new and {flushed.get(p.stat().st_ino) for p in new} == {"0.1.0"}
