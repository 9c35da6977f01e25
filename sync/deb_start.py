"""The app's start after a .deb update that a power cut stopped between ``dpkg -i``
and the end of its start check (the root helper's pending record,
``sync/deb_pending.py``; ``dxdesk.start_recovery`` says when there is one).

The officer's dxdesk is not root: it asks the helper to finish the job through the
same pkexec path as the update the officer agreed to (polkit lets the local desktop
user), tells the officer the outcome in their language, logs it, and starts itself
again when the helper put the previous version back (this program's files are that
version's now). The helper acts on root's record only, never on anything this
process hands it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from dxdesk import logsetup, settings, updater
from dxdesk.errors import SettingsError
from dxdesk.messages import DEFAULT_LANGUAGE, Message
from dxdesk.paths import Paths
from sync import deb_keep, deb_pending, updates

log = logging.getLogger(__name__)
Run = Callable[[list[str]], int]
Restart = Callable[[list[str]], None]


@dataclass(frozen=True)
class AtStart:
    """What the app's start did about a record: what to tell the officer (None:
    nothing, the record was another helper run's or stale), and whether this
    program's files were replaced (it must start again)."""

    said: Message | None
    replaced: bool = False
    told: str | None = None  # ``said`` in the officer's language, once said


def finish_at_start(state: Path, run: Callable[[list[str]], int], downloads: Path) -> AtStart:
    """The officer's dxdesk (not root) found a record at its start: the helper
    finishes the job through the same pkexec path as the update the officer asked
    for (``run`` runs the command; polkit lets the local desktop user), and the
    officer is told the outcome. The helper acts on root's record only, never on
    anything this process hands it. A version put back is noted as failed in
    ``downloads`` (the data folder's updates/), as after any rollback, so it is not
    fetched and installed again."""
    version = _version_named(state)
    code = run([*updater.RESOLVE_DEB_COMMAND])
    if code == updater.DEB_NOTHING_PENDING:
        return AtStart(None)
    if code == 0:
        return AtStart(Message("update_interrupted_finished", {"version": version}))
    if code == updater.DEB_ROLLED_BACK:
        problem = "it did not pass its start check after an install a power cut stopped"
        updater.note_failed(downloads, version, problem)
        return AtStart(Message("update_interrupted_rolled_back", {"version": version}), True)
    return AtStart(Message("update_interrupted", {"version": version, "code": code}))


def _version_named(state: Path) -> str:
    """For the officer's message only; the helper reads the record itself."""
    try:
        return str(json.loads(deb_pending.path(state).read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return "?"


def at_start(
    paths: Paths,
    args: Sequence[str],
    *,
    state: Path = deb_keep.STATE,
    run: Run | None = None,
    restart: Restart | None = None,
) -> AtStart:
    """Finish it, tell the officer (stderr, in the settings' language) and the log
    (in English); ``restart`` starts this program again with ``args`` when the
    previous version came back."""
    done = finish_at_start(state, run or _pkexec, paths.data / updates.FOLDER)
    if done.said is None:
        return done
    logsetup.configure(paths.log_file)
    log.warning("%s", done.said.text("en"))
    try:
        language = settings.load(paths.settings_file).language
    except SettingsError:  # the start says so itself, later
        language = DEFAULT_LANGUAGE
    told = done.said.text(language)
    print(told, file=sys.stderr)
    if done.replaced:
        (restart or _exec)([sys.executable, *args])
    return replace(done, told=told)


def _pkexec(command: list[str]) -> int:
    return subprocess.run(command, check=False).returncode


def _exec(command: list[str]) -> None:
    os.execv(command[0], command)  # noqa: S606 (this program, again)
