"""Logging to a rotating file in the log folder.

The log names tasks, users and servers, so it is the owner's only (0600 whatever
the umask). A log that cannot be written (read-only home, full disk) must never
break or clutter the command itself: the command's own message says what is
wrong, so a failed log write is dropped silently instead of Python's
"--- Logging error ---" traceback on stderr.
"""

from __future__ import annotations

import contextlib
import io
import logging
import logging.handlers
import os
from pathlib import Path

from dxdesk.paths import private_folder

MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"


class PrivateLogFile(logging.handlers.RotatingFileHandler):
    """Opens (and after rotation re-opens) the file owner-only; gives up quietly
    when the file cannot be written."""

    _dxdesk = True
    failed = False

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with contextlib.suppress(OSError):  # a file made by an earlier version
            os.chmod(self.baseFilename, 0o600)
        return io.TextIOWrapper(os.fdopen(fd, "ab"), encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        # Not writable now (read-only, disk full): drop this record; a later one may pass.
        self.failed = True


def configure(log_file: Path, *, verbose: bool = False) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_dxdesk", False):
            root.removeHandler(handler)
            handler.close()
    # A read-only home: the command says so itself, and the handler drops records.
    with contextlib.suppress(OSError):
        private_folder(log_file.parent)
    file_handler = PrivateLogFile(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    file_handler.setFormatter(logging.Formatter(FORMAT))
    file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.addHandler(file_handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
