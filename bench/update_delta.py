"""A patch release over EDGE: the delta against the full download, side by side.
Not a test: prints a Markdown table for docs/benchmarks.md.

    uv run python bench/update_delta.py             # 4 MiB library (about 5 minutes)
    uv run python bench/update_delta.py --mib 16    # closer to the real bundle, slower
    uv run python bench/update_delta.py --old dxdesk-0.2.0-linux-x86_64.tar.gz \
        --new dxdesk-0.2.1-linux-x86_64.tar.gz      # two real builds (35 minutes)

By default the releases are synthetic: a portable archive laid out as
installer/build.py's, with an incompressible "library" part that a patch release
leaves alone (Qt, Python, SQLCipher) and a "code" part it changes (--code-kib).
With --old/--new, two real portable archives installer/build.py made.
Both releases are signed and published with the real `dxdesk-server release`
commands; the device downloads through tests/support/badlink.py with EDGE's
200/100 kbit/s and 600 ms round trip, with the real sync.updates.download.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dxdesk.identity.credentials import MemoryTokenStore  # noqa: E402
from sync import client_account, updates  # noqa: E402
from sync.engine import SyncEngine  # noqa: E402
from sync.protocol import ClientIn, UpdateOffer  # noqa: E402
from sync.transport import Transport  # noqa: E402
from tests.support.badlink import EDGE, BadLink  # noqa: E402
from tests.support.profiles import new_user_profile  # noqa: E402
from tests.support.server import DEMO_PASSWORD, SERVER, RunningServer  # noqa: E402
from tests.sync import releases  # noqa: E402


def _publish(server: RunningServer, tmp: Path, key: Path, files: list[Path], version: str,
             delta_from: Path | None = None) -> list[Path]:  # fmt: skip
    manifest = tmp / f"{version}.release"
    delta = ["--delta-from", str(delta_from)] if delta_from else []
    subprocess.run([str(SERVER), "release", "sign", *map(str, files), *delta, "--version",
                    version, "--key", str(key), "--out", str(manifest)],
                   check=True, capture_output=True)  # fmt: skip
    files = [*files, *files[0].parent.glob("*.from-*.tar.gz")]
    server.admin("release", "publish", *map(str, files), "--version", version,
                 "--manifest", str(manifest))  # fmt: skip
    return files


def _download(
    server: RunningServer, tmp: Path, public: str, delta: bool, old: str = "0.2.0"
) -> tuple[int, float]:
    """Bytes over the link and seconds, for one device at ``old`` fetching the newer."""
    profile = new_user_profile(tmp / f"officer-{delta}")
    data = profile.paths.data
    with BadLink(server.port, EDGE) as link:
        transport = Transport(link.url, read_timeout_s=600)
        with profile.db.session() as session:
            client_account.login(session, transport, MemoryTokenStore(), "cb.halong",
                                 DEMO_PASSWORD)  # fmt: skip
        check = updates.UpdateCheck(ClientIn(version=old, platform=releases.PLATFORM), data)
        SyncEngine(profile.db, profile.attachments, transport, updates_check=check).run()
        offer = updates.remembered(data)
        assert offer is not None and offer.delta is not None
        if not delta:
            offer = UpdateOffer.model_validate({**offer.model_dump(), "delta": None})
        before, started = link.stats.bytes_down + link.stats.bytes_up, time.monotonic()
        done = updates.download(transport, offer, data, public)
        seconds = time.monotonic() - started
        moved = link.stats.bytes_down + link.stats.bytes_up - before
        transport.close()
    profile.close()
    assert (".from-" in done.path.name) == delta
    return moved, seconds


def _real(old: Path, new: Path) -> int:
    """The same, for two real portable archives (versions from their names)."""
    versions = [re.match(r"^dxdesk-([0-9.]+)-linux-", p.name) for p in (old, new)]
    if None in versions:
        raise SystemExit("--old and --new take portable archives: dxdesk-X.Y.Z-linux-….tar.gz")
    before, after = (m.group(1) for m in versions if m is not None)
    with tempfile.TemporaryDirectory(prefix="dxdesk-bench-") as folder:
        tmp = Path(folder)
        copies = []
        for version, archive in ((before, old), (after, new)):  # the delta is made beside it
            (tmp / version).mkdir()
            copies.append(Path(shutil.copy(archive, tmp / version / archive.name)))
        server = RunningServer(tmp / "server").start()
        try:
            public = releases.keygen(tmp / "release.key")
            _publish(server, tmp, tmp / "release.key", [copies[0]], before)
            started = time.monotonic()
            files = _publish(server, tmp, tmp / "release.key", [copies[1]], after,
                             delta_from=copies[0])  # fmt: skip
            print(f"release sign + publish with the delta: {time.monotonic() - started:.1f} s")
            sizes = {f.name: f.stat().st_size for f in files}
            delta_bytes, delta_s = _download(server, tmp, public, delta=True, old=before)
            print(f"delta: {delta_bytes:,} bytes over the link, {delta_s:.1f} s", flush=True)
            full_bytes, full_s = _download(server, tmp, public, delta=False, old=before)
        finally:
            server.stop()
    print(f"Real builds: {old.name} → {new.name}; link EDGE (200/100 kbit/s, 600 ms RTT)\n")
    _table(sizes, full_bytes, full_s, delta_bytes, delta_s, before)
    return 0


def _table(sizes: dict[str, int], full_bytes: int, full_s: float, delta_bytes: int,
           delta_s: float, base: str) -> None:  # fmt: skip
    print("| download | artifact bytes | bytes over the link | time |")
    print("|---|---:|---:|---:|")
    full_name = next(n for n in sizes if ".from-" not in n)
    delta_name = next(n for n in sizes if ".from-" in n)
    print(f"| full archive | {sizes[full_name]:,} | {full_bytes:,} | {full_s:.1f} s |")
    print(f"| delta from {base} | {sizes[delta_name]:,} | {delta_bytes:,} | {delta_s:.1f} s |")
    print(f"\ndelta / full: {100 * delta_bytes / full_bytes:.2f} % of the bytes, "
          f"{100 * delta_s / full_s:.1f} % of the time")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=float, default=4.0, help="the unchanged library part")
    parser.add_argument("--code-kib", type=float, default=192.0, help="the changed code part")
    parser.add_argument("--old", type=Path, help="a real portable archive (with --new)")
    parser.add_argument("--new", type=Path, help="the next release's portable archive")
    args = parser.parse_args()
    if args.old or args.new:
        if not (args.old and args.new):
            parser.error("--old and --new go together")
        return _real(args.old, args.new)
    with tempfile.TemporaryDirectory(prefix="dxdesk-bench-") as folder:
        tmp = Path(folder)
        library = os.urandom(int(args.mib * 1024 * 1024))
        server = RunningServer(tmp / "server").start()
        try:
            public = releases.keygen(tmp / "release.key")
            built = {}
            for version in ("0.2.0", "0.2.1"):
                code = os.urandom(int(args.code_kib * 1024))
                built[version] = releases.archive(tmp / f"build-{version}", version, extra={
                    "_internal/libQt6Core.so.6": library,
                    "_internal/base_library.zip": code,
                })  # fmt: skip
            _publish(server, tmp, tmp / "release.key", [built["0.2.0"]], "0.2.0")
            files = _publish(server, tmp, tmp / "release.key", [built["0.2.1"]], "0.2.1",
                             delta_from=built["0.2.0"])  # fmt: skip
            sizes = {f.name: f.stat().st_size for f in files}
            full_bytes, full_s = _download(server, tmp, public, delta=False)
            delta_bytes, delta_s = _download(server, tmp, public, delta=True)
        finally:
            server.stop()
    print(f"Synthetic release: {args.mib:g} MiB unchanged library + {args.code_kib:g} KiB "
          "changed code; link EDGE (200/100 kbit/s, 600 ms RTT)\n")  # fmt: skip
    _table(sizes, full_bytes, full_s, delta_bytes, delta_s, "0.2.0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
