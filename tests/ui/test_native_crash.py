"""A native crash (segfault) leaves its stack in the log folder; the next start logs
it and tells the officer, once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dxdesk.paths import Paths
from tests.ui.conftest import OFFICER, OFFICER_PASSWORD, enroll
from ui.native_crash import FILE_NAME

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120  # one start of the window in a child process


def start(home: Path, mode: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "tests.ui.start_child", str(home), mode],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=START_TIMEOUT_S, check=False,
    )  # fmt: skip


def notices(run: subprocess.CompletedProcess[str]) -> list[str]:
    assert run.returncode == 0, run.stderr[-3000:]
    assert "lock screen|True" in run.stdout
    return [line for line in run.stdout.splitlines() if line.startswith("notice|")]


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal number is checked")
@pytest.mark.slow
@pytest.mark.timeout(4 * START_TIMEOUT_S + 60)  # four starts, each with its own timeout
def test_a_native_crash_is_logged_and_told_at_the_next_start_once(ui_paths: Paths) -> None:
    enroll(ui_paths, OFFICER, OFFICER_PASSWORD)
    home = ui_paths.data.parent
    assert notices(start(home, "look")) == []  # a clean run leaves nothing to tell

    crashed = start(home, "crash")
    assert crashed.returncode == -signal.SIGSEGV
    record = (ui_paths.logs / FILE_NAME).read_text()
    assert "Segmentation fault" in record and "start_child.py" in record

    told = notices(start(home, "look"))
    assert len(told) == 1
    assert "dxdesk đã đóng bất thường" in told[0]  # in the officer's language
    assert "Lần trước dxdesk đã đóng bất thường" in told[0]
    log = ui_paths.log_file.read_text()
    assert "the previous run ended in a native crash" in log
    assert "Segmentation fault" in log.split("native crash")[1]

    assert notices(start(home, "look")) == []  # told once
