"""SIGKILL while typing: the autosaved draft survives and the next start offers it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from dxdesk import reports
from dxdesk.identity import users
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.paths import Paths
from dxdesk.profile import open_profile
from dxdesk.settings import Settings
from dxdesk.settings import save as save_settings
from dxdesk.store.models import ReportState
from sync.session import ClientSession
from tests.ui.conftest import OFFICER, OFFICER_PASSWORD, enroll, open_with_demo_tasks
from tests.ui.typing_child import TEXT
from ui.background_jobs import InlineRunner
from ui.desktop import build

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_typing_keeps_the_draft(qtbot: QtBot, tmp_path: Path) -> None:
    home = tmp_path / "home"
    paths = Paths.under(home).ensure()
    save_settings(Settings(language="vi"), paths.settings_file)
    unlocked = enroll(paths, OFFICER, OFFICER_PASSWORD)
    open_with_demo_tasks(paths, unlocked, Settings(language="vi")).close()

    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    errors = tmp_path / "child.err"
    with errors.open("wb") as err:
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.typing_child", str(home)],
            stdout=subprocess.PIPE, stderr=err, text=True, env=env, cwd=REPO,
        )  # fmt: skip
    assert child.stdout is not None
    saved = 0
    try:
        for line in child.stdout:
            if line.startswith("saved "):
                saved = int(line.split()[1])
                if saved >= 30:  # several autosaves in, still typing
                    break
        else:
            pytest.fail(f"child ended: {child.wait()} {errors.read_text()}")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    # The next start: the same user unlocks with their password.
    unlocked = users.unlock(paths, users.require_user(paths, OFFICER.username), OFFICER_PASSWORD)
    profile = open_profile(paths, user=unlocked)
    try:
        with profile.db.session() as session:
            drafts = [i.report for i in reports.outbox(session)]
        assert [d.state for d in drafts] == [ReportState.DRAFT]
        text = drafts[0].results
        assert len(text) >= saved
        assert (TEXT * (len(text) // len(TEXT) + 1)).startswith(text)

        # The next start says so and reopens it.
        desktop = build(ClientSession(profile, MemoryTokenStore(), unlocked=unlocked),
                        InlineRunner(), start_sync=False)  # fmt: skip
        qtbot.addWidget(desktop.window)
        try:
            window = desktop.window
            assert window.banner.isVisibleTo(window)
            assert "1 bản nháp" in window.banner_text.text()
            window.open_report(drafts[0].id)
            assert window.editor is not None
            assert window.editor.results.toPlainText() == text
            window.editor.close()
        finally:
            desktop.close()
    finally:
        profile.close()
