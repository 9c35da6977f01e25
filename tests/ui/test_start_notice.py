"""What the start finished before the first window (an interrupted .deb update, by
sync/deb_start.py) is said beside it, not only on stderr that a desktop icon's
start never shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dxdesk.messages import Message
from dxdesk.paths import Paths
from tests.ui.conftest import OFFICER, OFFICER_PASSWORD, enroll

REPO = Path(__file__).resolve().parents[2]


def test_the_starts_notice_is_shown_beside_the_first_window(ui_paths: Paths) -> None:
    enroll(ui_paths, OFFICER, OFFICER_PASSWORD)
    told = Message("update_interrupted", {"version": "0.2.5", "code": 126}).text("vi")
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "tests.ui.start_child", str(ui_paths.data.parent), "look", told],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert "lock screen|True" in run.stdout
    assert f"notice|dxdesk|{told}" in run.stdout.splitlines()
