"""Turning a flat portable install into the versioned layout, safe against a crash.

The first update of a portable install turns the folder the officer unpacked::

    APP/dxdesk, APP/_internal/, APP/portable, …, APP/dxdesk-data/

into ``APP/versions/<running>/`` (``dxdesk.updater`` draws the layout). A power cut
may stop that at any moment, and the officer's shortcut starts ``APP/dxdesk`` the
next morning whatever state it is in. So nothing is moved: every file is
*hard-linked* into ``versions/.<running>.moving/`` (no second copy on the disk), the
links are flushed and the folder renamed to ``versions/<running>``, ``current`` is
pointed at it, and then one atomic rename replaces the program ``APP/dxdesk`` with
the link ``current/dxdesk``: that rename is the commit. Before it the flat install
is untouched and runs; after it the versioned copy is complete and runs. Only then
are the flat files removed.

A journal (``APP/.update/versioning.json``, written whole and flushed before the
first link) names the version and the flat entries, so the next start or the next
update finishes what a crash interrupted: after the commit it removes the flat
leftovers, before it it removes the half-made copy. ``dxdesk-data`` is never
touched by either. The move and its recovery hold ``APP/.update/lock``, so a second
dxdesk started while one is moving never undoes the move under its feet.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from dxdesk.atomic_file import sync_directory, write_atomically
from dxdesk.errors import DxdeskError
from dxdesk.file_lock import flocked

PROGRAM = "dxdesk"
DATA = "dxdesk-data"
VERSIONS = "versions"
CURRENT = "current"
PORTABLE_MARKER = "portable"
WORK = ".update"  # the updater's own folder in APP
JOURNAL = "versioning.json"
LOCK = "lock"
# Ours in APP: never part of the program's files, never moved nor removed.
RESERVED = frozenset({DATA, VERSIONS, CURRENT, WORK})

# Called with the name of each step before it is taken: a test stops the move there
# (raises, or kills the process) to see that every stop can be recovered from.
CrashPoint = Callable[[str], None]


class LayoutError(DxdeskError):
    """The install cannot be put into (or back to) a runnable layout."""

    def __init__(self, message: str) -> None:
        super().__init__(message, None)


def _no_crash(_step: str) -> None:
    return None


def current_version(app: Path) -> str | None:
    link = app / CURRENT
    return Path(os.readlink(link)).name if link.is_symlink() else None


def symlink(target: str, link: Path) -> None:
    """Point ``link`` at ``target`` in one atomic rename, flushed to the disk."""
    temporary = link.with_name(f".{link.name}.{os.getpid()}.new")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target)
    os.replace(temporary, link)
    sync_directory(link.parent)


def make_versioned(app: Path, running_version: str, crash: CrashPoint = _no_crash) -> str:
    """The version ``current`` points at, after turning a flat install into
    ``versions/<running_version>`` if it still is one."""
    with moving(app, wait=True):
        return _make_versioned(app, running_version, crash)


def _make_versioned(app: Path, running_version: str, crash: CrashPoint) -> str:
    recover(app)
    version = current_version(app)
    if version is not None:
        return version
    if not (app / PROGRAM).is_file() or not (app / PORTABLE_MARKER).exists():
        raise LayoutError(f"{app} is not a portable dxdesk folder (no {PROGRAM} and "
                          f"{PORTABLE_MARKER} in it)")  # fmt: skip
    entries = sorted(e.name for e in app.iterdir() if e.name not in RESERVED)
    (app / WORK).mkdir(exist_ok=True)
    crash("journal")
    journal = app / WORK / JOURNAL
    plan = {"version": running_version, "entries": entries}
    write_atomically(journal, json.dumps(plan).encode())
    sync_directory(journal.parent)
    sync_directory(app)
    _finish(app, running_version, entries, crash)
    return running_version


@contextlib.contextmanager
def moving(app: Path, *, wait: bool) -> Iterator[bool]:
    """Yields True holding the move's lock (the kernel's: a crash leaves none); False
    without waiting when ``wait`` is off and another process is moving. Taken by the
    caller of :func:`recover`. No lock on Windows, where installs are not portable."""
    (app / WORK).mkdir(exist_ok=True)
    with flocked(app / WORK / LOCK, wait=wait) as held:
        yield held


def recover(app: Path) -> str | None:
    """Finish a move a crash interrupted (see the module's note): "finished" when it
    had been committed, "undone" when not, None without a journal. The caller holds
    :func:`moving`."""
    journal = app / WORK / JOURNAL
    try:
        plan = json.loads(journal.read_text(encoding="utf-8"))
        version, entries = str(plan["version"]), [str(e) for e in plan["entries"]]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LayoutError(f"the update journal {journal} cannot be read: {exc}") from exc
    if any(e in RESERVED or "/" in e or e in ("", ".", "..") for e in entries):
        raise LayoutError(f"the update journal {journal} names files that are not the program's")
    if (app / PROGRAM).is_symlink():
        _finish(app, version, entries, _no_crash)  # committed: only the tidying is left
        return "finished"
    # Not committed: the flat install is whole; take back the half-made copy.
    if current_version(app) is not None:
        (app / CURRENT).unlink()
    for name in (version, f".{version}.moving"):
        shutil.rmtree(app / VERSIONS / name, ignore_errors=True)
    if (app / VERSIONS).is_dir() and not any((app / VERSIONS).iterdir()):
        (app / VERSIONS).rmdir()
    sync_directory(app)
    journal.unlink()
    sync_directory(journal.parent)
    return "undone"


def _finish(app: Path, version: str, entries: list[str], crash: CrashPoint) -> None:
    """The steps after the journal; each is skipped when a crash left it done."""
    versions, committed = app / VERSIONS, (app / PROGRAM).is_symlink()
    target = versions / version
    if not committed:
        versions.mkdir(exist_ok=True)
        staging = versions / f".{version}.moving"
        for stale in (staging, target):  # left by an attempt of an earlier dxdesk
            shutil.rmtree(stale, ignore_errors=True)
        staging.mkdir()
        for name in entries:
            crash(f"link {name}")
            _link_tree(app / name, staging / name)
        crash("sync")
        sync_tree(staging)
        crash("rename")
        os.rename(staging, target)
        sync_directory(versions)
        crash("current")
        symlink(f"{VERSIONS}/{version}", app / CURRENT)
        crash("commit")
        symlink(f"{CURRENT}/{PROGRAM}", app / PROGRAM)  # from here the copy runs
    for name in entries:
        if name == PROGRAM:
            continue  # now the link to current/dxdesk
        crash(f"remove {name}")
        gone = app / name
        if gone.is_dir() and not gone.is_symlink():
            shutil.rmtree(gone)
        else:
            gone.unlink(missing_ok=True)
    crash("done")
    (app / WORK / JOURNAL).unlink(missing_ok=True)
    sync_directory(app / WORK)


def _link_tree(source: Path, target: Path) -> None:
    """``source`` at ``target`` without copying its bytes (a hard link each file;
    a copy where the file system has no hard links)."""
    if source.is_symlink():
        target.symlink_to(os.readlink(source))
    elif source.is_dir():
        shutil.copytree(source, target, symlinks=True, copy_function=_link_file)
    elif source.exists():
        _link_file(str(source), str(target))


def _link_file(source: str, target: str) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def sync_tree(root: Path) -> None:
    """Every file and folder under ``root`` on the disk, before a switch uses it."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        sync_directory(Path(folder))
