"""Fake dxdesk releases for the update tests: real archives, tiny programs.

The "program" in each archive is a shell script that does what a real dxdesk's
``self-check`` does when told to (write "ok" to the file ``DXDESK_STARTED_OK``
names), or fails to start, or hangs; the install, switch and rollback code under
test is the real one. Signing and publishing go through the real
``dxdesk-server release`` commands.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import updates
from sync.protocol import UpdateOffer, release_manifest
from tests.support.server import RunningServer
from tests.support.zygote import ZYGOTES

PLATFORM = "linux-x86_64-portable"
GOOD = '#!/bin/sh\n[ -n "$DXDESK_STARTED_OK" ] && printf ok > "$DXDESK_STARTED_OK"\nexit 0\n'
BROKEN = "#!/bin/sh\necho 'cannot load libQt6Core.so.6' >&2\nexit 127\n"
HANGS = "#!/bin/sh\nexec sleep 600\n"


def archive(
    folder: Path,
    version: str,
    program: str = GOOD,
    padding: int = 0,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """``dxdesk-VERSION-linux-x86_64.tar.gz`` as installer/build.py lays it out;
    ``extra`` adds files (name under ``dxdesk/`` → bytes)."""
    path = folder / f"dxdesk-{version}-linux-x86_64.tar.gz"
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        files = {
            "dxdesk/dxdesk": (program.encode(), 0o755),
            "dxdesk/portable": (b"Data lives beside the program.\n", 0o644),
            "dxdesk/_internal/VERSION": (version.encode(), 0o644),
        }
        for name, data in (extra or {}).items():
            files[f"dxdesk/{name}"] = (data, 0o644)
        if padding:  # incompressible, so the download has many ranges to cut
            files["dxdesk/_internal/libpadding.so"] = (os.urandom(padding), 0o644)
        for name, (data, mode) in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return path


def release_command(*args: str) -> subprocess.CompletedProcess[str]:
    """``dxdesk-server release ARGS`` to its end, raising CalledProcessError as
    ``check=True`` would. Started from the zygote (tests/support/zygote.py): a plain
    start spends ~2.4 s of CPU on imports, and the update tests sign dozens of
    releases (two such commands per test of tests/sync/test_deb_apply.py)."""
    done = ZYGOTES.run("dxdesk-server", ["release", *args], timeout=60)
    if done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, done.args, done.stdout, done.stderr)
    return done


def keygen(path: Path) -> str:
    return release_command("keygen", str(path)).stdout.split('"')[1]


def sign(files: list[Path], version: str, key: Path, out: Path) -> Path:
    release_command("sign", *map(str, files), "--version", version, "--key", str(key),
                    "--out", str(out))  # fmt: skip
    return out


def publish(server: RunningServer, files: list[Path], version: str, manifest: Path) -> str:
    return server.admin(
        "release", "publish", *map(str, files), "--version", version, "--manifest", str(manifest)
    ).stdout


def portable_010(tmp: Path) -> Path:
    """A flat portable install of 0.1.0, as unpacking the archive leaves it."""
    return unpacked(archive(tmp / "build-0.1.0", "0.1.0"), tmp / "usb")


def unpacked(path: Path, where: Path) -> Path:
    """A flat portable install from ``path``, as the officer unpacks it."""
    with tarfile.open(path) as tar:
        tar.extractall(where, filter="data")
    return where / "dxdesk"


def downloaded(data_dir: Path, artifact: Path, version: str, key: Ed25519PrivateKey) -> None:
    """What a finished background download leaves in the data folder (no server)."""
    data = artifact.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    entry = release_manifest.Artifact(PLATFORM, artifact.name, len(data), sha)
    manifest = release_manifest.dump(version, "stable", [entry], key).decode()
    offer = UpdateOffer(version=version, platform=PLATFORM, file_name=artifact.name,
                        size=len(data), sha256=sha, manifest=manifest)  # fmt: skip
    updates.remember(data_dir, offer)
    folder = data_dir / updates.FOLDER
    shutil.copy(artifact, folder / artifact.name)
    (folder / f"{artifact.name}.release").write_text(manifest, encoding="utf-8")
