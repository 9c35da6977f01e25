"""The package to come back to when a .deb update cannot start.

dpkg keeps no copy of a package it installed, so the root helper
(``sync/deb_apply.py``) keeps one itself, in a folder only root can write
(``/var/lib/dxdesk/installed/``): the .deb of the version installed now. After an
update it installed and that started, that is the update's own verified .deb. On the
first update of a .deb the administrator installed by hand there is none yet: the
package is rebuilt from what dpkg's database says that version installed (its
control fields, maintainer scripts and conffiles, and its files as they are on the
disk, with their owners and modes), as ``dpkg-repack`` does, before the new version
replaces any file.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

STATE = Path("/var/lib/dxdesk")
KEPT = "installed"
DPKG_INFO = Path("/var/lib/dpkg/info")
# Not part of a package's control file: dpkg's own bookkeeping of this machine.
_STATUS_ONLY = {"status", "config-version", "conffiles"}
_SCRIPTS = ("preinst", "postinst", "prerm", "postrm", "config")
_INFO_FILES = ("templates", "triggers", "shlibs", "symbols")


class KeepError(Exception):
    """The previous package cannot be kept; nothing was installed."""


def control(deb: Path) -> tuple[str, str]:
    """A .deb's package name and version, as dpkg reads them."""
    result = _run(["dpkg-deb", "--field", str(deb), "Package", "Version"])
    values = dict(line.split(": ", 1) for line in result.splitlines() if ": " in line)
    if "Package" not in values or "Version" not in values:
        raise KeepError(f"{deb.name} is not a Debian package")
    return values["Package"], values["Version"]


def installed_version(package: str) -> str | None:
    """What dpkg says is installed of ``package`` (fully configured), or None."""
    status, version = _status_and_version(package)
    return version if status == "install ok installed" else None


def wanted_installed(package: str) -> bool:
    """Whether dpkg's selection for ``package`` is "install" (also when an install
    was cut half-way), not removed or purged, nor unknown."""
    return _status_and_version(package)[0].split(" ")[0] == "install"


def _status_and_version(package: str) -> tuple[str, str]:
    result = subprocess.run(
        ["dpkg-query", "--show", "--showformat=${Status}\t${Version}", package],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    status, _, version = result.stdout.partition("\t")
    return (status, version) if result.returncode == 0 else ("", "")


def previous(package: str, version: str, work: Path, state: Path = STATE) -> Path | None:
    """The .deb of ``package`` ``version`` to come back to (kept, or rebuilt now and
    kept); None when dpkg does not have that version installed."""
    if installed_version(package) != version:
        return None
    folder = state / KEPT
    for deb in sorted(folder.glob("*.deb")) if folder.is_dir() else []:
        if control(deb) == (package, version):
            return deb
    return keep(repack(package, work), state)


def keep(deb: Path, state: Path = STATE) -> Path:
    """``deb`` becomes the one kept package (root's only; written whole, flushed)."""
    folder = state / KEPT
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    state.chmod(0o711)  # the pending record is read by the officer's dxdesk
    folder.chmod(0o700)
    target = folder / deb.name
    temporary = folder / f".{deb.name}.new"
    with deb.open("rb") as source, temporary.open("wb") as copy:
        shutil.copyfileobj(source, copy, 1 << 20)
        copy.flush()
        os.fsync(copy.fileno())
    os.replace(temporary, target)
    for other in folder.iterdir():
        if other != target:
            other.unlink()
    return target


def repack(package: str, work: Path) -> Path:
    """``package`` as installed, rebuilt into a .deb under ``work``."""
    fields = _status(package)
    root = work / "repack"
    shutil.rmtree(root, ignore_errors=True)
    (root / "DEBIAN").mkdir(parents=True, mode=0o755)
    for path in _run(["dpkg-query", "--listfiles", package]).splitlines():
        if path.startswith("/") and path != "/.":  # not "diverted by …" notes
            _copy_entry(Path(path), root / path.lstrip("/"))
    arch = _field(fields, "Architecture")
    for name in (*_SCRIPTS, *_INFO_FILES):
        for info in (DPKG_INFO / f"{package}.{name}", DPKG_INFO / f"{package}:{arch}.{name}"):
            if info.is_file():
                shutil.copy2(info, root / "DEBIAN" / name)
                (root / "DEBIAN" / name).chmod(0o755 if name in _SCRIPTS else 0o644)
    listed = next((text for name, text in fields if name.lower() == "conffiles"), "")
    conffiles = [line.split()[0] for line in listed.splitlines()[1:] if line.strip()]
    if conffiles:
        (root / "DEBIAN" / "conffiles").write_text("\n".join(conffiles) + "\n", "utf-8")
    kept = [text for name, text in fields if name.lower() not in _STATUS_ONLY]
    (root / "DEBIAN" / "control").write_text("".join(kept), encoding="utf-8")
    out = work / f"{package}_{_field(fields, 'Version')}_{arch}.deb"
    _run(["dpkg-deb", "-Zgzip", "-z1", "--build", str(root), str(out)])
    shutil.rmtree(root, ignore_errors=True)
    return out


def _status(package: str) -> list[tuple[str, str]]:
    """dpkg's record of ``package``: (field name, its text with continuation lines)."""
    fields: list[tuple[str, str]] = []
    for line in _run(["dpkg-query", "--status", package]).splitlines(keepends=True):
        if line[:1] in (" ", "\t") and fields:
            name, text = fields[-1]
            fields[-1] = (name, text + line)
        elif ":" in line:
            fields.append((line.split(":", 1)[0], line))
    return fields


def _field(fields: list[tuple[str, str]], name: str) -> str:
    """A one-line field's value."""
    for field, text in fields:
        if field.lower() == name.lower():
            return text.split(":", 1)[1].strip()
    return ""


def _copy_entry(source: Path, target: Path) -> None:
    """One installed file, folder or link, with its owner and mode."""
    try:
        info = source.lstat()
    except FileNotFoundError:
        return  # removed by hand since: the package comes back without it
    target.parent.mkdir(parents=True, exist_ok=True)
    if stat.S_ISLNK(info.st_mode):
        target.symlink_to(os.readlink(source))
    elif stat.S_ISDIR(info.st_mode):
        target.mkdir(exist_ok=True)
        target.chmod(stat.S_IMODE(info.st_mode))
    elif stat.S_ISREG(info.st_mode):
        shutil.copy2(source, target, follow_symlinks=False)
    else:
        return
    os.lchown(target, info.st_uid, info.st_gid)


def _run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise KeepError(f"{' '.join(command[:2])} failed: {result.stderr.strip()}")
    return result.stdout
