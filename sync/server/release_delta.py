"""A delta between two portable releases: only the files that changed.

Made on the admin's machine by ``dxdesk-server release sign --delta-from OLD``
and signed in the same manifest as the full archives. A patch release changes a
few files of the unpacked tree (the app's own code) and none of the large
libraries, so the delta is a small fraction of the full archive; the device
rebuilds the new tree from the version it runs (``dxdesk.updater``) and falls back
to the full archive if it cannot.

The delta is a ``.tar.gz`` laid out like the full archive (``dxdesk/…``) holding
the new and changed files and links, plus ``dxdesk/.dxdesk-delta``: JSON
``{"format": 1, "base": "0.2.0", "removed": ["dxdesk/old-file", …]}``.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

MARKER = "dxdesk/.dxdesk-delta"


def _identity(tar: tarfile.TarFile, member: tarfile.TarInfo) -> tuple[str, ...] | None:
    """What makes a member the same in both releases; None for folders."""
    if member.isdir():
        return None
    if member.issym() or member.islnk():
        return ("link", member.linkname, str(member.mode))
    handle = tar.extractfile(member)
    digest = hashlib.sha256(handle.read() if handle else b"").hexdigest()
    return ("file", digest, str(member.mode))


def make(old: Path, new: Path, out: Path, base: str) -> None:
    with tarfile.open(old, "r:gz") as previous:
        before = {m.name: _identity(previous, m) for m in previous.getmembers()}
    with tarfile.open(new, "r:gz") as current, tarfile.open(out, "w:gz", compresslevel=9) as delta:
        names = set()
        for member in current.getmembers():
            names.add(member.name)
            same = member.name in before and before[member.name] == _identity(current, member)
            if same and not member.isdir():
                continue
            data = current.extractfile(member) if member.isfile() else None
            delta.addfile(member, data)
        removed = sorted(n for n, kind in before.items() if kind is not None and n not in names)
        marker = json.dumps({"format": 1, "base": base, "removed": removed}).encode()
        info = tarfile.TarInfo(MARKER)
        info.size, info.mode = len(marker), 0o644
        delta.addfile(info, io.BytesIO(marker))
