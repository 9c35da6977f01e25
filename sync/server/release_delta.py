"""A delta between two portable releases: what changed, as binary patches.

Made on the admin's machine by ``dxdesk-server release sign --delta-from OLD``
and signed in the same manifest as the full archives. A patch release changes a
few files of the unpacked tree and none of the large libraries; but PyInstaller
keeps the app's Python code inside the multi-MB ``dxdesk`` program (its appended
archive), so a one-line fix changes that file whole. Changed files therefore
travel as bsdiff patches against the same file of the old release, or whole when
the patch is not smaller. The device rebuilds the new tree from the version it
runs (``dxdesk.updater``), checks every file against the index, and falls back to
the full archive if it cannot.

The delta is a ``.tar.gz`` laid out like the full archive (``dxdesk/…``) holding
the new and whole-changed files and links, the patches under
``dxdesk/.dxdesk-patches/``, and the index ``dxdesk/.dxdesk-delta``: JSON ::

    {"format": 2, "base": "0.2.0", "removed": ["dxdesk/old-file", …],
     "patched": {"dxdesk/dxdesk": "dxdesk/.dxdesk-patches/0", …},
     "files": {"dxdesk/dxdesk": "<sha256 of the new file>", …}}

``files`` lists every regular file of the new release. Format 1 (no ``patched``
nor ``files``) is still read by devices.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zlib
from pathlib import Path

import bsdiff4

MARKER = "dxdesk/.dxdesk-delta"
PATCHES = "dxdesk/.dxdesk-patches"
FORMAT = 2


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    return handle.read() if handle else b""


def _identity(member: tarfile.TarInfo, data: bytes | None) -> tuple[str, ...] | None:
    """What makes a member the same in both releases; None for folders."""
    if member.isdir():
        return None
    if member.issym() or member.islnk():
        return ("link", member.linkname, str(member.mode))
    return ("file", hashlib.sha256(data or b"").hexdigest(), str(member.mode))


def make(old: Path, new: Path, out: Path, base: str) -> None:
    with tarfile.open(old, "r:gz") as previous:
        before: dict[str, tuple[str, ...] | None] = {}
        old_files: dict[str, bytes] = {}
        for member in previous.getmembers():
            data = _read(previous, member) if member.isfile() else None
            before[member.name] = _identity(member, data)
            if data is not None:
                old_files[member.name] = data
    patched: dict[str, str] = {}
    files: dict[str, str] = {}
    with tarfile.open(new, "r:gz") as current, tarfile.open(out, "w:gz", compresslevel=9) as delta:
        names = set()
        for member in current.getmembers():
            names.add(member.name)
            data = _read(current, member) if member.isfile() else None
            if data is not None:
                files[member.name] = hashlib.sha256(data).hexdigest()
            if member.isdir() or before.get(member.name) == _identity(member, data):
                if member.isdir():
                    delta.addfile(member)
                continue
            patch = _patch(old_files.get(member.name), data)
            if patch is not None:
                name = f"{PATCHES}/{len(patched)}"
                patched[member.name] = name
                _add(delta, name, patch)
                continue
            delta.addfile(member, io.BytesIO(data) if data is not None else None)
        removed = sorted(n for n, kind in before.items() if kind is not None and n not in names)
        index = {"format": FORMAT, "base": base, "removed": removed, "patched": patched,
                 "files": files}  # fmt: skip
        _add(delta, MARKER, json.dumps(index).encode())


def _patch(old: bytes | None, new: bytes | None) -> bytes | None:
    """A bsdiff patch from ``old`` to ``new``, or None when the whole file (as the
    gzip stream will carry it) is as small: a new file, a tiny one, a rewrite."""
    if old is None or new is None or len(new) < 1024:
        return None
    patch: bytes = bsdiff4.diff(old, new)
    return patch if len(patch) < len(zlib.compress(new, 6)) else None


def _add(delta: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    delta.addfile(info, io.BytesIO(data))
