"""Run the installed ``dxdesk`` command as a user would: a separate process each time,
started by a zygote that has its imports done (tests/support/zygote.py)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.file_keyring import FILE_ENV
from tests.support.zygote import ZYGOTES

DXDESK = Path(sys.executable).with_name("dxdesk")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def keyring_env(home: Path) -> dict[str, str]:
    """A keyring each home keeps across commands, as the OS keyring would (the
    machine has none): ``demo --local`` keeps its key there."""
    repo = Path(__file__).resolve().parents[2]
    return {
        **os.environ,
        "PYTHONPATH": str(repo),
        "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
        FILE_ENV: str(home.parent / f"{home.name}-keyring.json"),
    }


def run(
    home: Path,
    *args: str,
    stdin: str | None = None,
    timeout: float = 60,
    env: dict[str, str] | None = None,
    console_script: bool = False,
) -> Result:
    if env is None:
        env = keyring_env(home)
    proc = ZYGOTES.run(
        "dxdesk", ["--home", str(home), *args], env=env, stdin=stdin, timeout=timeout,
        console_script=console_script,
    )  # fmt: skip
    return Result(proc.returncode, proc.stdout, proc.stderr)
