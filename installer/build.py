"""Build dxdesk installers for one site (province), for this operating system.

    uv run python installer/build.py --profile site.toml

1. validates the provisioning profile (refuses mistakes, naming the field);
2. compiles the translations;
3. freezes the app with PyInstaller into dist/dxdesk/ (one folder), with the
   profile baked in as provisioning.toml;
4. runs the frozen `dxdesk --version` as a smoke check;
5. on Linux, packs dist/dxdesk_VERSION_ARCH.deb and a portable
   dist/dxdesk-VERSION-linux-ARCH.tar.gz; on Windows, prints the Inno Setup step.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import PySide6
import tomli_w

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dxdesk import provisioning  # noqa: E402
from dxdesk.errors import SettingsError  # noqa: E402
from installer import bundle_size  # noqa: E402
from sync import deb_keep  # noqa: E402

BUILD = REPO / "build"
# Qt's runtime needs these from the system (PySide6 wheels bundle Qt itself).
# Qt's runtime needs these from the system: Qt itself and ICU are in the bundle, the
# common desktop libraries are not (see SYSTEM_LIBS in dxdesk.spec).
DEB_DEPENDS = [
    "libc6", "libstdc++6", "libgcc-s1", "zlib1g", "libglib2.0-0", "libegl1", "libgl1",
    "libfontconfig1", "libfreetype6", "libharfbuzz0b", "libpng16-16", "libdbus-1-3",
    "libsystemd0", "libgssapi-krb5-2", "libzstd1", "libpcre2-8-0", "libbz2-1.0",
    "liblzma5", "libffi8", "libuuid1", "libreadline8", "libjpeg62-turbo | libjpeg-turbo8",
    "libx11-6", "libx11-xcb1", "libxext6", "libxrender1", "libxkbcommon0",
    "libxkbcommon-x11-0", "libxcb1", "libxcb-cursor0", "libxcb-glx0", "libxcb-icccm4",
    "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0", "libxcb-render0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-shm0", "libxcb-sync1",
    "libxcb-util1", "libxcb-xfixes0", "libxcb-xkb1", "fonts-dejavu-core",
]  # fmt: skip
DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Name=dxdesk
GenericName=Progress reporting
GenericName[vi]=Báo cáo tiến độ nhiệm vụ
Comment=Report progress on assigned tasks, offline first
Comment[vi]=Báo cáo tiến độ nhiệm vụ, làm việc cả khi không có mạng
Exec=/opt/dxdesk/dxdesk
Icon=dxdesk
Terminal=false
Categories=Office;
"""

# The .deb's root helper and the polkit action that lets the desktop user run it
# through pkexec without the administrator's password: it installs only a package
# the release key pinned in this build signed (sync/deb_apply.py, docs/cli.md).
APPLY_HELPER = "dxdesk-apply-update"
APPLY_SCRIPT = """#!/bin/sh
# Run as root by pkexec; refuses any package the pinned release key did not sign.
exec /opt/dxdesk/dxdesk apply-deb-update "$@"
"""
# The helper keeps the installed version's .deb to roll a failed update back
# (sync/deb_keep.py); purging the package removes it too, not removing or upgrading.
POSTRM = f"""#!/bin/sh
set -e
if [ "$1" = purge ]; then
    rm -rf {deb_keep.STATE}
fi
"""
POLKIT_ACTION = "vn.dxdesk.apply-update"
POLKIT_POLICY = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/PolicyKit/1/policyconfig.dtd">
<policyconfig>
  <action id="{POLKIT_ACTION}">
    <description>Install a signed dxdesk update</description>
    <description xml:lang="vi">Cài bản cập nhật dxdesk đã được ký</description>
    <message>dxdesk is installing an update signed by its release key</message>
    <message xml:lang="vi">dxdesk đang cài bản cập nhật đã được ký</message>
    <defaults>
      <allow_any>auth_admin</allow_any>
      <allow_inactive>auth_admin</allow_inactive>
      <allow_active>yes</allow_active>
    </defaults>
    <annotate key="org.freedesktop.policykit.exec.path">/opt/dxdesk/{APPLY_HELPER}</annotate>
  </action>
</policyconfig>
"""


def write_apply_helper(root: Path) -> Path:
    """The root helper, where the package puts it under ``root`` (tests/sync/
    test_deb_polkit.py installs it with this too, and runs it through pkexec)."""
    helper = root / "opt" / "dxdesk" / APPLY_HELPER
    helper.parent.mkdir(parents=True, exist_ok=True)
    helper.write_text(APPLY_SCRIPT, encoding="utf-8")
    helper.chmod(0o755)
    return helper


def write_polkit_action(root: Path) -> Path:
    """The polkit action file, where the package puts it under ``root`` (the polkit
    test hands this very file to a real polkitd)."""
    actions = root / "usr" / "share" / "polkit-1" / "actions"
    actions.mkdir(parents=True, exist_ok=True)
    policy = actions / f"{POLKIT_ACTION}.policy"
    policy.write_text(POLKIT_POLICY, encoding="utf-8")
    policy.chmod(0o644)
    return policy


def version() -> str:
    """The one the package declares (pyproject reads it from there too)."""
    source = (REPO / "dxdesk" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', source, re.MULTILINE)
    if found is None:
        raise SystemExit("dxdesk/__init__.py declares no __version__")
    return found.group(1)


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def baked_profile(source: Path) -> Path:
    site = provisioning.load(source)  # raises SettingsError naming the problem
    BUILD.mkdir(exist_ok=True)
    target = BUILD / provisioning.PROFILE_NAME
    values = {k: v for k, v in dataclasses.asdict(site).items() if v != ""}
    values = {("ca_certificate" if k == "ca_certificate" else k): v for k, v in values.items()}
    target.write_text(tomli_w.dumps(values), encoding="utf-8")
    return target


def compile_translations() -> Path:
    out = BUILD / "translations"
    out.mkdir(parents=True, exist_ok=True)
    tool = Path(PySide6.__file__).with_name("lrelease")
    for ts in sorted((REPO / "resources" / "translations").glob("*.ts")):
        subprocess.run(
            [str(tool), "-silent", str(ts), "-qm", str(out / ts.with_suffix(".qm").name)],
            check=True,
        )
    return out


def freeze(profile: Path, dist: Path) -> Path:
    env = {**os.environ, "DXDESK_BAKED_PROFILE": str(profile)}
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(BUILD / "pyinstaller"),
         str(REPO / "installer" / "dxdesk.spec")],
        check=True, env=env, cwd=REPO,
    )  # fmt: skip
    bundle = dist / "dxdesk"
    program = bundle / ("dxdesk.exe" if os.name == "nt" else "dxdesk")
    result = subprocess.run(
        [str(program), "--version"], check=True, capture_output=True, text=True, timeout=120
    )
    say(f"frozen program says: {result.stdout.strip()}")
    return bundle


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def deb_arch() -> str:
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def build_deb(bundle: Path, dist: Path, fast: bool = False) -> Path:
    ver, arch = version(), deb_arch()
    root = BUILD / "deb" / f"dxdesk_{ver}_{arch}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(bundle, root / "opt" / "dxdesk", symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "dxdesk").symlink_to("/opt/dxdesk/dxdesk")
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / "dxdesk.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    icons = root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copy(REPO / "resources" / "icons" / "dxdesk.svg", icons / "dxdesk.svg")
    write_apply_helper(root)
    write_polkit_action(root)
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN" / "postrm").write_text(POSTRM, encoding="utf-8")
    (root / "DEBIAN" / "postrm").chmod(0o755)
    installed_kb = folder_size(root) // 1024
    (root / "DEBIAN" / "control").write_text(
        f"Package: dxdesk\nVersion: {ver}\nArchitecture: {arch}\n"
        "Maintainer: dxdesk team <dxdesk@localhost>\nSection: office\nPriority: optional\n"
        f"Installed-Size: {installed_kb}\nDepends: {', '.join(DEB_DEPENDS)}\n"
        "Description: offline-first progress reporting for commune officers\n"
        " Officers report progress on assigned tasks with no network and through\n"
        " power cuts; reports sync to the central tracking server when a network\n"
        " appears. This build is provisioned for one site.\n",
        encoding="utf-8",
    )
    target = dist / f"dxdesk_{ver}_{arch}.deb"
    compression = ["-Zgzip", "-z1"] if fast else list(bundle_size.RELEASE_COMPRESSION)
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", *compression, "--build", str(root), str(target)],
        check=True,
        capture_output=True,
    )
    return target


def build_tarball(bundle: Path, dist: Path, fast: bool = False) -> Path:
    """A portable archive: unpack anywhere (a USB stick); data stays beside it."""
    target = dist / f"dxdesk-{version()}-linux-{platform.machine()}.tar.gz"
    marker = bundle / "portable"
    marker.write_text("Data lives beside the program, in dxdesk-data/.\n", encoding="utf-8")
    try:
        with tarfile.open(target, "w:gz", compresslevel=1 if fast else 9) as archive:
            archive.add(bundle, arcname="dxdesk")
    finally:
        marker.unlink()
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, required=True, help="site provisioning TOML")
    parser.add_argument("--dist", type=Path, default=REPO / "dist")
    parser.add_argument("--no-packages", action="store_true", help="only the bundle")
    # xz takes a minute of CPU for ~25% less download: worth it for what goes to the
    # field, not for a trial build (or the test suite's).
    parser.add_argument(
        "--fast-compression", action="store_true", help="gzip -1 packages, for trial builds"
    )
    args = parser.parse_args()
    try:
        profile = baked_profile(args.profile)
    except SettingsError as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 2
    say(f"profile {args.profile}: valid")
    compile_translations()
    bundle = freeze(profile, args.dist)
    say(f"bundle {bundle}: {folder_size(bundle) / 1e6:.1f} MB unpacked")
    say(bundle_size.describe(bundle, top=4))
    if sys.platform.startswith("linux") and not args.no_packages:
        deb = build_deb(bundle, args.dist, fast=args.fast_compression)
        say(f"{deb.name}: {deb.stat().st_size / 1e6:.1f} MB")
        tarball = build_tarball(bundle, args.dist, fast=args.fast_compression)
        say(f"{tarball.name}: {tarball.stat().st_size / 1e6:.1f} MB")
    elif os.name == "nt":
        say("next: ISCC installer\\windows\\dxdesk.iss (see installer/README.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
