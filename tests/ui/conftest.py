"""UI fixtures: a demo-loaded profile and the window built with a synchronous runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from dxdesk import clock, demo_data
from dxdesk.credentials import MemoryTokenStore
from dxdesk.paths import Paths
from dxdesk.profile import Profile, open_profile
from dxdesk.settings import Settings
from ui.app import Desktop, build
from ui.crash import CrashHandler
from ui.tasks_runner import InlineRunner

# No display in CI: Qt's offscreen platform (./dx test sets it too).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def ui_profile(tmp_path: Path) -> Iterator[Profile]:
    paths = Paths.under(tmp_path / "ui-home").ensure()
    opened = open_profile(paths, Settings(language="vi", author="Nguyễn Văn A"))
    with opened.db.session() as session:
        demo_data.load(session, clock.reference_date(None))
    yield opened
    opened.close()


class CrashRecorder:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def __call__(self, text: str, details: str) -> None:
        self.shown.append((text, details))


@pytest.fixture
def crashes() -> CrashRecorder:
    return CrashRecorder()


@pytest.fixture
def desktop(qtbot: QtBot, ui_profile: Profile, crashes: CrashRecorder) -> Iterator[Desktop]:
    handler = CrashHandler(ui_profile.paths.log_file, show=crashes)
    built = build(ui_profile, MemoryTokenStore(), InlineRunner(), crash=handler, start_sync=False)
    qtbot.addWidget(built.window)
    built.window.resize(1024, 700)
    built.window.show()
    yield built
    built.close()
