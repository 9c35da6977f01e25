"""UI fixtures: a user's demo-loaded profile, and the window built with a
synchronous runner. Profiles belong to users now: each fixture enrolls one (with a
cheap key derivation, since the real one is deliberately slow)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from dxdesk import clock, demo_data
from dxdesk import settings as settings_module
from dxdesk.identity import users
from dxdesk.identity.credentials import MemoryTokenStore, TokenStore
from dxdesk.identity.users import KnownUser, UnlockedUser
from dxdesk.identity.vault import KdfParams
from dxdesk.paths import Paths
from dxdesk.profile import Profile, open_profile
from dxdesk.settings import Settings
from dxdesk.settings import save as save_settings
from sync.session import ClientSession
from ui.app import application
from ui.background_jobs import InlineRunner, PoolRunner
from ui.crash import CrashHandler
from ui.desktop import Desktop, build
from ui.i18n import Translations, set_language_property
from ui.report_editor import ReportEditor
from ui.shell import Shell
from ui.token_access import Tokens

# No display in CI: Qt's offscreen platform (./dx test sets it too).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _ui_language_starts_vietnamese() -> None:
    """The language lives on the one QApplication all tests share: a test that
    switched to English must not make the next one's texts English."""
    app = QCoreApplication.instance()
    if app is not None:
        set_language_property(app, "vi")


CHEAP = KdfParams(time_cost=1, memory_kib=8192, parallelism=1)
SERVER = "http://127.0.0.1:9"  # nothing listens: offline unless a test starts a server
OFFICER = KnownUser("cb.binhlieu", SERVER, "Nguyễn Văn A", "QN-BINHLIEU")
OFFICER_PASSWORD = "mat-khau-A"


def enroll(paths: Paths, user: KnownUser, password: str) -> UnlockedUser:
    return users.enroll(paths, user, password, params=CHEAP)


def open_with_demo_tasks(paths: Paths, unlocked: UnlockedUser, settings: Settings) -> Profile:
    opened = open_profile(paths, settings, user=unlocked)
    with opened.db.session() as session:
        demo_data.load(session, clock.reference_date(None))
    return opened


@pytest.fixture
def ui_paths(tmp_path: Path) -> Paths:
    paths = Paths.under(tmp_path / "ui-home").ensure()
    save_settings(Settings(language="vi", author="Nguyễn Văn A"), paths.settings_file)
    return paths


@pytest.fixture
def ui_unlocked(ui_paths: Paths) -> UnlockedUser:
    return enroll(ui_paths, OFFICER, OFFICER_PASSWORD)


@pytest.fixture
def ui_profile(ui_paths: Paths, ui_unlocked: UnlockedUser) -> Iterator[Profile]:
    opened = open_with_demo_tasks(
        ui_paths, ui_unlocked, Settings(language="vi", author="Nguyễn Văn A")
    )
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
def desktop(
    qtbot: QtBot, ui_profile: Profile, ui_unlocked: UnlockedUser, crashes: CrashRecorder
) -> Iterator[Desktop]:
    handler = CrashHandler(ui_profile.paths.log_file, show=crashes)
    built = build(
        ClientSession(ui_profile, MemoryTokenStore(), unlocked=ui_unlocked), InlineRunner(),
        crash=handler, start_sync=False,
    )  # fmt: skip
    qtbot.addWidget(built.window)
    built.window.resize(1024, 700)
    built.window.show()
    yield built
    built.close()


class FakeClock:
    """The vault's clock, for lockouts that end without waiting for real."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


ShellFactory = Callable[..., Shell]
WAIT_MS = 30_000  # generous: a loaded machine; never a timing assertion


def opened(qtbot: QtBot, shell: Shell) -> Desktop:
    """The unlocked user's desktop, once it has shown their data."""
    qtbot.waitUntil(lambda: shell.desktop is not None, timeout=WAIT_MS)
    desktop = shell.desktop
    assert desktop is not None
    qtbot.waitUntil(lambda: desktop.window.loaded_once, timeout=WAIT_MS)
    return desktop


def locked(shell: Shell) -> bool:
    """No one's data is open; the lock screen shows."""
    return shell.desktop is None and shell.screen.isVisible()


@pytest.fixture
def make_shell(qtbot: QtBot, crashes: CrashRecorder) -> Iterator[ShellFactory]:
    """The app as ``dxdesk`` runs it, with the real background runner: the lock
    screen first, then a user's desktop. Sync does not start unless asked."""
    made: list[Shell] = []

    def make(
        paths: Paths,
        tokens: TokenStore | None = None,
        *,
        clock: Callable[[], float] | None = None,
        start_sync: bool = False,
        preselect: str | None = None,
    ) -> Shell:
        app = application()
        translations = Translations(app, paths.cache)
        translations.use("vi")
        crash = CrashHandler(paths.log_file, show=crashes)
        crash.install()
        shell = Shell(
            app, paths, settings_module.load(paths.settings_file),
            tokens=Tokens(tokens or MemoryTokenStore()), runner=PoolRunner(),
            translations=translations, crash=crash, clock=clock, start_sync=start_sync,
        )  # fmt: skip
        qtbot.addWidget(shell.screen)
        shell.start(preselect)
        qtbot.waitExposed(shell.screen)
        made.append(shell)
        return shell

    yield make
    for shell in made:
        shell.close()
    assert crashes.shown == []


def open_editor(desktop: Desktop, code: str = "NV-2026-003") -> ReportEditor:
    """A new report on ``code``, as Ctrl+N opens it."""
    window = desktop.window
    assert window.select_task(code)
    window.new_report()
    assert window.editor is not None
    return window.editor
