"""The root helper a .deb install updates itself with (``dxdesk-apply-update``).

An officer is not root, and ``dpkg -i`` must be. The .deb ships
``/opt/dxdesk/dxdesk-apply-update`` (which runs ``dxdesk apply-deb-update``) and a
polkit action that lets the local desktop user run it through ``pkexec`` without
the administrator's password. So that this cannot install an arbitrary package,
the helper trusts nothing the user hands it: it copies the manifest and the
package into a folder only root can write, checks the manifest against the
release key pinned in the *installed* build's site profile (not the officer's
settings), checks that the package is the one the manifest lists for this
machine's .deb and is newer than what is installed, and only then runs dpkg on
that copy.
"""

from __future__ import annotations

import hashlib
import os
import platform
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from dxdesk import __version__, provisioning
from dxdesk.errors import SettingsError
from sync.protocol.release_manifest import (
    MAX_ARTIFACT_BYTES,
    MAX_MANIFEST_BYTES,
    ManifestError,
    parse_version,
    platform_of,
    verify,
)

COMMAND = "apply-deb-update"
EXIT_REFUSED = 3


class RefusedError(Exception):
    """The package may not be installed; the message says why."""


def pinned_key(profile: Path | None = None) -> str:
    """The release key baked into the installed build (root-owned, under /opt)."""
    path = profile or provisioning.baked_profile_path()
    if path is None:
        raise RefusedError("this build has no site profile, so no release key is pinned")
    try:
        key = provisioning.load(path).release_public_key
    except SettingsError as exc:
        raise RefusedError(f"the installed site profile cannot be read: {exc}") from exc
    if not key:
        raise RefusedError("the installed site profile pins no release key")
    return key


def apply(
    manifest: Path,
    package: Path,
    key: str,
    installed: str = __version__,
    run: Callable[[list[str]], int] | None = None,
) -> str:
    """Install ``package`` with dpkg if the pinned key signed it; its version."""
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine(), platform.machine())
    with tempfile.TemporaryDirectory(prefix="dxdesk-apply-") as folder:  # mode 0700
        manifest_copy, package_copy = Path(folder) / "release", Path(folder) / package.name
        _copy(manifest, manifest_copy, MAX_MANIFEST_BYTES)
        _copy(package, package_copy, MAX_ARTIFACT_BYTES)
        try:
            signed = verify(manifest_copy.read_bytes(), key)
        except ManifestError as exc:
            # The reason only: root read the file, its text is not echoed to the user.
            raise RefusedError(f"the update is refused: the manifest is {exc.reason}") from exc
        wanted = platform_of(package.name)
        if wanted != f"linux-{machine.lower()}-deb":
            raise RefusedError(f"{package.name} is not a dxdesk .deb for this machine")
        artifact = signed.artifact(wanted)
        if artifact is None or artifact.file_name != package.name:
            raise RefusedError(f"the signed release lists no {package.name}")
        data = package_copy.read_bytes()
        if len(data) != artifact.size or hashlib.sha256(data).hexdigest() != artifact.sha256:
            raise RefusedError(f"{package.name} is not the file the release key signed")
        if parse_version(signed.version) <= parse_version(installed):
            raise RefusedError(f"{signed.version} is not newer than the installed {installed}")
        code = (run or _dpkg)(["dpkg", "-i", str(package_copy)])
    if code != 0:
        raise RefusedError(f"dpkg -i {package.name} failed (exit code {code})")
    return signed.version


def _copy(source: Path, target: Path, limit: int) -> None:
    """A regular file of at most ``limit`` bytes (not a device nor a pipe that root
    could be made to read forever), copied where only root can write."""
    try:
        with source.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise RefusedError(f"{source.name} is not a regular file")
            data = handle.read(limit + 1)
    except OSError as exc:
        raise RefusedError(f"{source.name} cannot be read ({exc.strerror})") from exc
    if len(data) > limit:
        raise RefusedError(f"{source.name} is larger than a release can be")
    target.write_bytes(data)


def _dpkg(command: list[str]) -> int:
    return subprocess.run(command, check=False).returncode


def main(argv: Sequence[str]) -> int:
    """``dxdesk apply-deb-update MANIFEST PACKAGE``, run as root by pkexec."""
    if len(argv) != 2:
        print(f"usage: dxdesk {COMMAND} MANIFEST PACKAGE.deb", file=sys.stderr)
        return 2
    try:
        version = apply(Path(argv[0]), Path(argv[1]), pinned_key())
    except RefusedError as exc:
        print(f"dxdesk-apply-update: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"dxdesk {version} installed")
    return 0
