"""Small real Debian packages for the .deb update tests, installed with the real
dpkg (as root) system-wide: each test file names its own package, so two files
running at once (``./dx test -n 2``) never install or purge each other's, and
every dpkg run here takes dpkg's frontend lock as apt does, so they wait for
each other (and for the helper under test) instead of failing at once."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sync import deb_apply, deb_pending, updates
from sync.protocol import UpdateOffer
from tests.sync import releases

REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def frontend_locked() -> Iterator[None]:
    """dpkg's frontend lock, waited for (another test file's dpkg, or the helper)."""
    handle = os.open(deb_apply.FRONTEND_LOCK, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.lockf(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def dpkg(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    with frontend_locked():
        return subprocess.run(
            ["dpkg", *args], capture_output=True, text=True, check=check,
            env={**os.environ, deb_apply.FRONTEND_LOCKED_ENV: "1"},
        )  # fmt: skip


# The helper killed (as a power cut stops it) right after dpkg -i installed the new
# version and before its self-check could end.
KILLED_AFTER_DPKG = """
import os, signal, sys
from pathlib import Path
import ui.launcher
from sync import deb_apply
def dpkg(command):
    code = deb_apply._dpkg(command)
    os.kill(os.getpid(), signal.SIGKILL)
manifest, deb, key, program, state = sys.argv[1:6]
deb_apply.apply(Path(manifest), Path(deb), key, "0.2.0",
                deb_apply.Host(Path(program), Path(state), dpkg))
"""


@dataclass(frozen=True)
class Package:
    """A test package called ``name`` (never "dxdesk": nothing real is replaced)
    whose program, ``/opt/NAME/dxdesk``, is one of ``releases``' tiny scripts."""

    name: str

    @property
    def program(self) -> Path:
        return Path(f"/opt/{self.name}/dxdesk")

    def deb(
        self, folder: Path, version: str, program: str = releases.GOOD, postinst: str | None = None
    ) -> Path:
        """``dxdesk_VERSION_amd64.deb``, the name the helper accepts."""
        root = folder / f"root-{version}"
        (root / "DEBIAN").mkdir(parents=True)
        if postinst is not None:
            (root / "DEBIAN" / "postinst").write_text(postinst, encoding="utf-8")
            (root / "DEBIAN" / "postinst").chmod(0o755)
        doc = root / "usr" / "share" / "doc" / self.name
        doc.mkdir(parents=True)
        (doc / "README").write_text(f"{self.name} {version}\n", encoding="utf-8")
        opt = root / self.program.parent.relative_to("/")
        opt.mkdir(parents=True)
        (opt / self.program.name).write_text(program, encoding="utf-8")
        (opt / self.program.name).chmod(0o755)
        (root / "DEBIAN" / "control").write_text(
            f"Package: {self.name}\nVersion: {version}\nArchitecture: all\n"
            "Maintainer: dxdesk tests <t@localhost>\nDescription: helper test\n"
            " A second line, as real descriptions have.\n",
            encoding="utf-8",
        )
        out = folder / f"dxdesk_{version}_amd64.deb"
        subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(out)],
                       check=True, capture_output=True)  # fmt: skip
        return out

    def installed(self) -> str | None:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", self.name],
                                capture_output=True, text=True, check=False)  # fmt: skip
        return result.stdout.split()[-1] if "install ok installed" in result.stdout else None

    def admin_installed(self, tmp: Path, version: str) -> None:
        """What the administrator installed by hand: dpkg keeps no copy of it."""
        dpkg("-i", str(self.deb(tmp / f"admin-{version}", version)))
        assert self.installed() == version

    def release(
        self, tmp: Path, version: str, program: str, postinst: str | None = None
    ) -> tuple[Path, Path]:
        """A release signed with ``tmp``/release.key (the tests' pinned key)."""
        deb = self.deb(tmp / f"release-{version}", version, program, postinst)
        manifest = releases.sign([deb], version, tmp / "release.key", tmp / f"{version}.release")
        return manifest, deb

    def is_back(self, version: str) -> None:
        """dpkg's database and the files on the disk both say ``version``."""
        assert self.installed() == version
        readme = Path("/usr/share/doc") / self.name / "README"
        assert readme.read_text(encoding="utf-8") == f"{self.name} {version}\n"
        assert self.program.read_text(encoding="utf-8") == releases.GOOD
        assert os.access(self.program, os.X_OK)

    def killed_after_dpkg(
        self,
        tmp: Path,
        key: str,
        program: str,
        postinst: str | None = None,
        installed: str | None = "0.2.5",
        state: Path | None = None,
    ) -> Path:
        """0.2.0 installed by the administrator, then an update to 0.2.5 cut after
        dpkg -i: 0.2.5 is ``installed`` (None: not wholly), never checked; the
        helper's state folder (``tmp``/state unless given), with root's record."""
        self.admin_installed(tmp, "0.2.0")
        manifest, deb = self.release(tmp, "0.2.5", program, postinst)
        state = state or tmp / "state"
        # The killed helper's work folder stays, as after a real power cut: in ``tmp``.
        child = subprocess.run(
            [sys.executable, "-c", KILLED_AFTER_DPKG, str(manifest), str(deb), key,
             str(self.program), str(state)],
            cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "TMPDIR": str(tmp)},
        )  # fmt: skip
        assert child.returncode == -signal.SIGKILL, child.stderr
        assert self.installed() == installed
        record = deb_pending.read(state)
        assert record is not None and (record.version, record.previous) == ("0.2.5", "0.2.0")
        return state

    def purge(self) -> None:
        dpkg("--purge", self.name, check=False)


def downloaded(data: Path, manifest: Path, deb: Path, version: str) -> Path:
    """What a finished background download of ``deb`` leaves in the data folder."""
    folder = data / updates.FOLDER
    folder.mkdir(parents=True)
    shutil.copy(deb, folder / deb.name)
    shutil.copy(manifest, folder / f"{deb.name}.release")
    updates.remember(data, UpdateOffer(
        version=version, platform="linux-x86_64-deb", file_name=deb.name,
        size=deb.stat().st_size, sha256=hashlib.sha256(deb.read_bytes()).hexdigest(),
        manifest=manifest.read_text(encoding="utf-8"),
    ))  # fmt: skip
    return data
