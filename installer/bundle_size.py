"""What takes the space in the one-folder bundle, and the budgets it must keep.

Every megabyte is minutes on EDGE, so the installer suite fails a build over
budget and names what grew. ``python installer/bundle_size.py dist/dxdesk``
prints the breakdown (the table in docs/benchmarks.md).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

UNPACKED_BUDGET = 120_000_000  # bytes of dist/dxdesk/
DEB_BUDGET = 40_000_000  # the release .deb, with:
RELEASE_COMPRESSION = ("-Zxz",)  # dpkg-deb's; build.py without --fast-compression
MB = 1e6

# Each file counts for the first part whose prefix its path (in the bundle) has.
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ICU data", ("_internal/PySide6/Qt/lib/libicudata",)),
    ("Qt libraries", ("_internal/PySide6/Qt/lib/",)),
    ("Qt plugins and translations", ("_internal/PySide6/Qt/",)),
    ("PySide6 bindings", ("_internal/PySide6/", "_internal/shiboken6/")),
    ("Python code (inside the program)", ("dxdesk", "dxdesk.exe")),
    ("cryptography (its own OpenSSL inside)", ("_internal/cryptography/",)),
    ("SQLCipher", ("_internal/sqlcipher3/",)),
    ("system SQLite (beside SQLCipher's)", ("_internal/libsqlite3",)),
    ("libpython, stdlib", ("_internal/libpython", "_internal/python3", "_internal/base_library")),
    ("OpenSSL (Python's ssl)", ("_internal/libcrypto", "_internal/libssl")),
    ("pydantic-core", ("_internal/pydantic_core/",)),
)
OTHER = "everything else"


def files(bundle: Path) -> dict[str, int]:
    """Each file's size by its path in the bundle (links count nothing)."""
    return {
        path.relative_to(bundle).as_posix(): path.stat().st_size
        for path in bundle.rglob("*")
        if path.is_file() and not path.is_symlink()
    }


def part_of(name: str) -> str:
    for part, prefixes in PARTS:
        # A prefix with no folder is one whole name: the program itself.
        if any(name.startswith(p) if "/" in p else name == p for p in prefixes):
            return part
    return OTHER


def breakdown(bundle: Path) -> list[tuple[str, int]]:
    """(part, bytes), largest first."""
    totals: dict[str, int] = {}
    for name, size in files(bundle).items():
        totals[part_of(name)] = totals.get(part_of(name), 0) + size
    return sorted(totals.items(), key=lambda item: -item[1])


def describe(bundle: Path, top: int = 6) -> str:
    """The largest parts and files, for a message that says what grew."""
    parts = ", ".join(f"{part} {size / MB:.1f}" for part, size in breakdown(bundle)[:top])
    largest = sorted(files(bundle).items(), key=lambda item: -item[1])[:top]
    biggest = ", ".join(f"{name} {size / MB:.1f}" for name, size in largest)
    return f"largest parts (MB): {parts}; largest files (MB): {biggest}"


def unpacked_problem(bundle: Path) -> str | None:
    """None within budget, else what is over and what takes the space."""
    total = sum(files(bundle).values())
    if total <= UNPACKED_BUDGET:
        return None
    return (
        f"the unpacked bundle {bundle} is {total / MB:.1f} MB, over its "
        f"{UNPACKED_BUDGET / MB:.0f} MB budget; {describe(bundle)}"
    )


def release_deb_size(deb: Path) -> int:
    """The size ``deb`` has with the release compression (xz), whatever it was
    built with: unpacked and packed again as build.py packs a release."""
    with tempfile.TemporaryDirectory() as work:
        tree, again = Path(work) / "tree", Path(work) / "release.deb"
        subprocess.run(["dpkg-deb", "-R", str(deb), str(tree)], check=True)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", *RELEASE_COMPRESSION, "--build", str(tree),
             str(again)],
            check=True, capture_output=True,
        )  # fmt: skip
        return again.stat().st_size


def deb_problem(deb: Path, bundle: Path) -> str | None:
    size = release_deb_size(deb)
    if size <= DEB_BUDGET:
        return None
    return (
        f"{deb.name} would be {size / MB:.1f} MB with xz, over its {DEB_BUDGET / MB:.0f} MB "
        f"budget; {describe(bundle)}"
    )


if __name__ == "__main__":  # python installer/bundle_size.py dist/dxdesk
    folder = Path(sys.argv[1])
    print("| part | MB |\n|---|---|")
    for part, size in breakdown(folder):
        print(f"| {part} | {size / MB:.1f} |")
    print(f"| **total** | {sum(files(folder).values()) / MB:.1f} |")
