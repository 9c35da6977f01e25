"""The token in a real Secret Service (gnome-keyring-daemon), across processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NEEDED = ("dbus-run-session", "gnome-keyring-daemon")
SCRIPT = """
set -e
printf 'test-unlock' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$PY" -c "
from dxdesk.identity import credentials
store = credentials.choose()
assert store.persistent, store.description
store.put('cb.bache@https://dx.example', 'token-from-process-1')
print(store.description)
"
"$PY" -c "
from dxdesk.identity import credentials
print(credentials.choose().get('cb.bache@https://dx.example'))
"
"""


@pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in NEEDED),
    reason="needs dbus-run-session and gnome-keyring-daemon (./dx test installs them)",
)
def test_token_survives_in_the_secret_service_between_processes(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS")
    }
    env |= {"PY": sys.executable, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d")}
    proc = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    description, token = proc.stdout.strip().splitlines()
    assert "SecretService" in description
    assert token == "token-from-process-1"
    # The token went to the keyring, not into any file of ours in plain text.
    for path in tmp_path.rglob("*"):
        if path.is_file() and "keyrings" not in path.parts:
            assert b"token-from-process-1" not in path.read_bytes()
