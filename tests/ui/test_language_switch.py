"""Switching language with a task selected under the sorted, filtered table: from the
toolbar and from Settings, several times; the app lives and keeps the selection.

It used to die with a segfault (a bare ``layoutChanged`` under the sort proxy, then
a closed Settings dialog collected under the window), so the switching runs in a
child process and this test reads what it printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dxdesk.paths import Paths
from dxdesk.settings import Settings
from dxdesk.settings import save as save_settings
from tests.ui.conftest import OFFICER, OFFICER_PASSWORD, enroll, open_with_demo_tasks

REPO = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT_S = 300


@pytest.mark.slow
@pytest.mark.timeout(CHILD_TIMEOUT_S + 60)  # the child's own timeout, then the checks
def test_language_switch_with_a_selection_under_the_sort_proxy(tmp_path: Path) -> None:
    home = tmp_path / "home"
    paths = Paths.under(home).ensure()
    save_settings(Settings(language="vi"), paths.settings_file)
    unlocked = enroll(paths, OFFICER, OFFICER_PASSWORD)
    open_with_demo_tasks(paths, unlocked, Settings(language="vi")).close()

    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "tests.ui.language_child", str(home)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=CHILD_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr[-3000:]
    lines = [line.split("|") for line in child.stdout.splitlines()]
    assert [how for how, _tab, _code in lines] == ["selected"] + ["toolbar"] * 3 + ["settings"] * 4
    tabs = [tab for _how, tab, _code in lines]
    vi, en = "Nhiệm vụ", "Tasks"
    assert tabs == [vi, en, vi, en, en, vi, en, vi]  # Settings' first choice is the same
    codes = {code for _how, _tab, code in lines}
    assert len(codes) == 1 and codes != {"-"}
