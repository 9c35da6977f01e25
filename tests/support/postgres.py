"""Where PostgreSQL's server programs are: for the tests' throwaway clusters and the
benchmarks'."""

from __future__ import annotations

import shutil
from pathlib import Path


def pg_bin(root: Path = Path("/usr/lib/postgresql")) -> Path | None:
    """The newest PostgreSQL installed the Debian way, else initdb on the PATH."""
    candidates = sorted(
        root.glob("*/bin"),
        key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found else None
