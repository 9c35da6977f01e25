"""The root helper's record of a .deb update whose start check has not ended yet.

Between ``dpkg -i`` and the end of the new version's self-check a power cut (or a
kill) would leave the unchecked version installed for good: nothing else knows it
was never seen to start. So before ``dpkg -i`` the helper (``sync/deb_apply.py``)
writes ``/var/lib/dxdesk/pending`` (whole, flushed, and its folder flushed) naming
the package, the version it installs, the version installed before and the kept
.deb of that version; it removes the record once the check passed or the rollback
finished. Whoever finds a record finishes the job: the helper's next run, or the
app's start through the same pkexec path (``dxdesk-apply-update --resolve``,
``sync/deb_start.py``).

The record can ask for the one downgrade the helper makes, so it is believed only
when root wrote it: a regular file, not a link, owned by root and writable by no one
else, in a folder that is root's too. Its text is not secret (version numbers): it
is readable by all, so that the officer's dxdesk, not root, can see that an update
was interrupted and offer to finish it.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from dxdesk.atomic_file import sync_directory, write_atomically

NAME = "pending"


class UntrustedRecordError(Exception):
    """A record is there but root did not (only) write it: nothing is done by it."""


@dataclass(frozen=True)
class Pending:
    package: str
    version: str  # installed (or being installed) by dpkg -i, not yet seen to start
    previous: str  # installed before: the only version a rollback may go back to
    kept: Path | None  # that version's .deb, in the helper's own folder

    def to_json(self) -> bytes:
        kept = None if self.kept is None else str(self.kept)
        fields = {"package": self.package, "version": self.version,
                  "previous": self.previous, "kept": kept}  # fmt: skip
        return json.dumps(fields).encode()


def path(state: Path) -> Path:
    return state / NAME


def write(state: Path, record: Pending) -> None:
    """On the disk before ``dpkg -i`` runs: a power cut right after it finds it."""
    write_atomically(path(state), record.to_json(), mode=0o644)
    sync_directory(state)


def clear(state: Path) -> None:
    path(state).unlink(missing_ok=True)
    sync_directory(state)


def exists(state: Path) -> bool:
    """Whether a record is there (anyone may ask: see the module's note)."""
    return os.path.lexists(path(state))


def read(state: Path) -> Pending | None:
    """The record root wrote, None when there is none; UntrustedRecordError when one
    is there that root alone did not write (or that cannot be read)."""
    record = path(state)
    try:
        fd = os.open(record, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:  # ELOOP: a link
        raise UntrustedRecordError(f"{record} cannot be opened ({exc.strerror})") from exc
    with os.fdopen(fd, "rb") as handle:
        for what, info in ((record, os.fstat(handle.fileno())), (state, os.lstat(state))):
            if info.st_uid != 0 or info.st_mode & 0o022:
                raise UntrustedRecordError(f"{what} is not root's alone: it is not acted on")
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UntrustedRecordError(f"{record} is not a regular file")
        text = handle.read(4096)
    try:
        fields = json.loads(text)
        kept = fields["kept"]
        found = Pending(str(fields["package"]), str(fields["version"]),
                        str(fields["previous"]), None if kept is None else Path(kept))  # fmt: skip
    except (ValueError, KeyError, TypeError) as exc:
        raise UntrustedRecordError(f"{record} cannot be read: {exc}") from exc
    if found.kept is not None and found.kept.parent.parent != state:
        raise UntrustedRecordError(f"{record} names a package outside {state}")
    return found
