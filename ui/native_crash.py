"""A native crash (a segfault in Qt, a driver, SQLCipher) ends the process before any
Python code runs, so neither the excepthook nor the log hears of it.

``faulthandler`` writes the Python stacks of that moment into a file in the log
folder. The file is opened at start and kept open for the life of the process: at
the moment of the crash nothing can be opened any more. It is opened for appending,
so two windows of the app on one PC do not wipe each other's record. The next start
finds the record, copies it into the log and tells the officer; it is then emptied,
so it is told once.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import os
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

FILE_NAME = "native-crash.txt"
MAX_KEPT = 64_000  # a record is a few KB; a huge file is cut to its end


class NativeCrashLog:
    def __init__(self, logs: Path) -> None:
        self.path = logs / FILE_NAME
        self._file: BinaryIO | None = None

    def start(self) -> str | None:
        """Arm faulthandler for this run; returns the record of a crash in an earlier
        run (once), already copied into the log, or None."""
        earlier = self._take_earlier()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:  # a read-only home: the app still starts
            log.warning("native crashes cannot be recorded in %s: %s", self.path, exc)
            return earlier
        self._file = os.fdopen(fd, "ab", buffering=0)
        faulthandler.enable(self._file, all_threads=True)
        return earlier

    def stop(self) -> None:
        """At a clean exit: nothing crashed, nothing to tell the next start."""
        if self._file is None:
            return
        faulthandler.disable()
        self._file.close()
        self._file = None

    def _take_earlier(self) -> str | None:
        try:
            data = self.path.read_bytes()
        except OSError:
            return None
        if not data.strip():
            return None
        text = data[-MAX_KEPT:].decode("utf-8", errors="replace").strip()
        log.critical("the previous run ended in a native crash:\n%s", text)
        with contextlib.suppress(OSError):  # told once: the next start is quiet
            self.path.write_bytes(b"")
        return text
