"""What dxdesk finishes at start, before its first window: an update a power cut
stopped.

A power cut during the first update's move into ``versions/`` leaves a journal
(``dxdesk.portable_layout``); the program still runs either way, but the half-made
copy or the flat leftovers would stay on the officer's stick until the next
update. So the program's start finishes or undoes the move, and logs which.

A .deb update stopped between ``dpkg -i`` and the end of the new version's start
check leaves the root helper's pending record (``sync/deb_pending.py``);
:func:`deb_update_interrupted` says so, and the launcher has the helper finish it.

Every start pays for this, and the start-up time is benchmarked: without a journal
or a record it is one ``stat`` (the paths module is loaded already); the modules
that finish the job are imported only when there is one.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from dxdesk.paths import portable_home

log = logging.getLogger(__name__)
# portable_layout's WORK / JOURNAL, spelled here so the common start imports nothing.
JOURNAL = Path(".update", "versioning.json")
# sync.deb_pending's record in sync.deb_keep.STATE, and where the .deb installs.
DEB_PENDING = Path("/var/lib/dxdesk/pending")
DEB_HOME = Path("/opt/dxdesk")
STARTED_OK_ENV = "DXDESK_STARTED_OK"  # dxdesk.updater's: set by the start check only


def running_program() -> str | None:
    """The frozen program this process is (None for a development checkout)."""
    return sys.executable if getattr(sys, "frozen", False) else None


def finish_interrupted_move(executable: str | None) -> str | None:
    """Finish (or undo) the move a crash interrupted in the portable install
    ``executable`` belongs to: what was done, for the log; None when nothing was.
    Never stops the start: both states run, the next update tries again."""
    if executable is None:
        return None
    home = portable_home(executable)
    if home is None:
        return None
    app = home.parent
    if not os.path.lexists(app / JOURNAL):
        return None
    return _recover(app, home)


def _recover(app: Path, home: Path) -> str:
    from dxdesk import logsetup, portable_layout  # noqa: PLC0415 (only after a crash)
    from dxdesk.paths import Paths  # noqa: PLC0415

    try:
        with portable_layout.moving(app, wait=False) as free:
            done = portable_layout.recover(app) if free else "left to the dxdesk moving it"
        said = f"the interrupted move of {app} into versions/ was {done}"
    except (portable_layout.LayoutError, OSError) as exc:
        said = f"the interrupted move of {app} into versions/ cannot be finished: {exc}"
    # The command's own logging is not set up yet: the portable data folder's log.
    logsetup.configure(Paths.resolve(os.environ.get("DXDESK_HOME") or home).log_file)
    log.warning("%s", said)
    return said


def deb_update_interrupted(
    executable: str | None, record: Path = DEB_PENDING, home: Path = DEB_HOME
) -> bool:
    """Whether this .deb-installed program finds the helper's pending record. Not
    while the helper itself runs it for the start check: the record is that run's
    own (asking the helper then would wait for it, and fail the check)."""
    if os.environ.get(STARTED_OK_ENV):
        return False
    if executable is None or not Path(executable).resolve().is_relative_to(home):
        return False
    return os.path.lexists(record)
