"""Is the network link metered (mobile data the officer pays for)?

Linux: NetworkManager's ``Metered`` property over D-Bus (asked with ``gdbus``, which
every desktop with NetworkManager has; no Python D-Bus binding needed). Windows
would ask ``Windows.Networking.Connectivity.NetworkInformation``'s connection cost
(``NetworkCostType``); that is not implemented or run here (no Windows machine), so
Windows answers "cannot tell". "Cannot tell" counts as not metered: a site that
fears costs sets ``updates_on_metered = false`` and ``wifi_only``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Sequence

# NMMetered: 0 unknown, 1 yes, 2 no, 3 guess-yes, 4 guess-no.
_METERED = {1, 3}
_NOT_METERED = {2, 4}
GDBUS = [
    "gdbus", "call", "--system", "--dest", "org.freedesktop.NetworkManager",
    "--object-path", "/org/freedesktop/NetworkManager",
    "--method", "org.freedesktop.DBus.Properties.Get",
    "org.freedesktop.NetworkManager", "Metered",
]  # fmt: skip
Runner = Callable[[Sequence[str]], str]


def _run(argv: Sequence[str]) -> str:
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=5, check=True)
    return done.stdout


def parse_networkmanager(answer: str) -> bool | None:
    """``(<uint32 4>,)`` → False; None when the answer says nothing we know."""
    found = re.search(r"uint32\s+(\d+)", answer)
    if found is None:
        return None
    value = int(found.group(1))
    return True if value in _METERED else False if value in _NOT_METERED else None


def is_metered(run: Runner = _run) -> bool | None:
    """True, False, or None when the system cannot tell (or is not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return parse_networkmanager(run(GDBUS))
    except (OSError, subprocess.SubprocessError):
        return None
