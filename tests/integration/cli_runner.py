"""Run the installed ``dxdesk`` command as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DXDESK = Path(sys.executable).with_name("dxdesk")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run(
    home: Path,
    *args: str,
    stdin: str | None = None,
    timeout: float = 60,
    env: dict[str, str] | None = None,
) -> Result:
    proc = subprocess.run(
        [str(DXDESK), "--home", str(home), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        input=stdin,
        timeout=timeout,
        check=False,
        env=env,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
