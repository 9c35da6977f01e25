"""``dxdesk-server release …``: make the release key, sign a release, publish it.

``keygen`` and ``sign`` run on the admin's own machine and need no database: the
release key should never be on the server, so that a server broken into cannot
push code to every commune PC (docs/server.md, "Releases").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tarfile
from pathlib import Path
from typing import Any

from dxdesk.atomic_file import write_atomically
from dxdesk.errors import UnsafeFileError
from dxdesk.signing import fingerprint
from sync.protocol import release_manifest
from sync.protocol.release_manifest import Artifact
from sync.server import keys, release_delta, releases
from sync.server.db import Database
from sync.server.releases import PublishError

DEFAULT_CHANNEL = "stable"


def _artifacts(files: list[str]) -> list[Artifact]:
    found: list[Artifact] = []
    for name in files:
        path = Path(name)
        platform = release_manifest.platform_of(path.name)
        if platform is None:
            raise PublishError(
                f"{path.name}: not an installer build.py makes (dxdesk-VERSION-linux-ARCH"
                ".tar.gz, dxdesk_VERSION_ARCH.deb, dxdesk-VERSION-setup.exe)"
            )
        if not path.is_file():
            raise PublishError(f"{path}: no such file")
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        found.append(Artifact(platform, path.name, path.stat().st_size, digest.hexdigest()))
    return found


def _version(text: str) -> str:
    try:
        release_manifest.parse_version(text)
    except ValueError as exc:
        raise PublishError(str(exc)) from exc
    return text


def _delta(previous: str, files: list[str]) -> Path:
    """The delta from an earlier portable archive to this release's, beside it."""
    old = Path(previous)
    match = re.match(r"^dxdesk-([0-9]+\.[0-9]+\.[0-9]+)-linux-", old.name)
    if match is None or release_manifest.platform_of(old.name) is None:
        raise PublishError(f"{old.name}: --delta-from takes an earlier portable .tar.gz")
    platform = release_manifest.platform_of(old.name)
    full = [Path(f) for f in files if release_manifest.platform_of(Path(f).name) == platform]
    if not full:
        raise PublishError(f"no portable archive for {platform} to make a delta to")
    out = full[0].with_name(release_manifest.delta_name(full[0].name, match.group(1)))
    try:
        release_delta.make(old, full[0], out, match.group(1))
    except (OSError, tarfile.TarError) as exc:
        raise PublishError(f"cannot make the delta from {old.name}: {exc}") from exc
    print(f"delta from {match.group(1)}: {out} ({out.stat().st_size} bytes)")
    return out


def keygen(args: argparse.Namespace) -> int:
    path = Path(args.key_file)
    if path.exists():
        raise PublishError(f"{path} exists; a new release key would orphan every installed "
                           "build that pins the old one")  # fmt: skip
    try:
        key = keys.load_or_create_signing(path)
    except keys.KeyFileError as exc:
        raise PublishError(str(exc)) from exc
    public = keys.signing_text(key)
    print(f'release_public_key = "{public}"   # fingerprint {fingerprint(public)}, file {path}')
    return 0


def sign(args: argparse.Namespace) -> int:
    version = _version(args.version)
    try:
        key = keys.load_signing(Path(args.key))
    except keys.KeyFileError as exc:
        raise PublishError(str(exc)) from exc
    files = list(args.files)
    for previous in args.delta_from or []:
        files.append(str(_delta(previous, files)))
    data = release_manifest.dump(version, args.channel, _artifacts(files), key)
    out = Path(args.out or f"dxdesk-{version}.release")
    try:
        write_atomically(out, data, mode=0o644)
    except (UnsafeFileError, OSError) as exc:
        raise PublishError(f"cannot write {out}: {exc}") from exc
    print(f"signed {version} ({args.channel}) with {fingerprint(keys.signing_text(key))}: {out}")
    return 0


def publish(args: argparse.Namespace, db: Database) -> int:
    version = _version(args.version)
    try:
        manifest_bytes = Path(args.manifest).read_bytes()
    except OSError as exc:
        raise PublishError(f"cannot read {args.manifest}: {exc.strerror or exc}") from exc
    files = [Path(name) for name in args.files]
    manifest = releases.check(manifest_bytes, files, version, args.channel)
    with db.write() as session:
        done = releases.publish(session, manifest, files)
    print(f"published {done.version} on '{done.channel}' for {', '.join(done.platforms)} "
          f"(release key {fingerprint(done.key)})")  # fmt: skip
    return 0


def listing(args: argparse.Namespace, db: Database) -> int:
    with db.read() as session:
        rows = releases.listing(session)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['version']:<10} {row['channel']:<10} {row['platform']:<26} "
              f"{row['size']:>11} {row['file_name']}")  # fmt: skip
    return 0


def add_commands(cmd: Any, commands: Any) -> None:
    """``cmd`` is cli._Commands (subcommands with --db/--home)."""
    release = commands.add_parser("release", help="publish dxdesk updates to devices")
    group = release.add_subparsers(dest="action", required=True)
    gen = group.add_parser("keygen", help="make the release signing key (on your own machine)")
    gen.add_argument("key_file", help="where to write the private key (kept off the server)")
    gen.set_defaults(offline_handler=keygen)
    signer = group.add_parser("sign", help="sign a release's installers with the release key")
    signer.add_argument("files", nargs="+", help="installers installer/build.py made")
    signer.add_argument("--version", required=True, help="MAJOR.MINOR.PATCH")
    signer.add_argument("--channel", default=DEFAULT_CHANNEL)
    signer.add_argument("--key", required=True, help="the release key file (keygen)")
    signer.add_argument("--out", help="the manifest to write (dxdesk-VERSION.release)")
    signer.add_argument(
        "--delta-from",
        action="append",
        metavar="OLD.tar.gz",
        help="also make and sign a delta from this earlier portable archive (repeatable); "
        "publish it with the other files",
    )
    signer.set_defaults(offline_handler=sign)
    pub = cmd.add(group, "publish", publish, "store a signed release for devices to update")
    pub.add_argument("files", nargs="+", help="the installers the manifest lists")
    pub.add_argument("--version", required=True, help="MAJOR.MINOR.PATCH")
    pub.add_argument("--channel", default=DEFAULT_CHANNEL)
    pub.add_argument("--manifest", required=True, help="the signed manifest (release sign)")
    listed = cmd.add(group, "list", listing, "published releases")
    listed.add_argument("--json", action="store_true")


def run_offline(args: argparse.Namespace) -> int | None:
    """Run a command that needs no database; None when ``args`` is not one."""
    handler = getattr(args, "offline_handler", None)
    if handler is None:
        return None
    try:
        result: int = handler(args)
    except PublishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return result
