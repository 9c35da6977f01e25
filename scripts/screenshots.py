"""Screenshots of the real window in Vietnamese, under Xvfb, into docs/screenshots/.

    uv run python scripts/screenshots.py [--out DIR] [--only main,editor,...]

Starts ``Xvfb`` on a free display (1366×768, the commonest commune PC screen),
then runs itself as a child on that display with Qt's xcb platform: a temporary
home where two officers have logged in, one of them with the demo tasks and a few
reports in every state, the main window, the lock screen, and each screen grabbed
from the X server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from dxdesk import clock, demo_data, reports, users
from dxdesk.credentials import MemoryTokenStore
from dxdesk.models import ReportState
from dxdesk.paths import Paths
from dxdesk.profile import Profile, open_profile
from dxdesk.settings import Settings
from dxdesk.settings import save as save_settings
from dxdesk.users import KnownUser, UnlockedUser
from ui.app import application
from ui.desktop import build
from ui.i18n import Translations
from ui.lock.unlock_screen import UnlockScreen
from ui.lock.unlocking import Unlocker
from ui.login_dialog import LoginDialog
from ui.tasks_runner import InlineRunner
from ui.token_access import Tokens

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ("main", "editor", "dashboard", "outbox", "login", "unlock")
SERVER = "https://dx.quangninh.gov.vn"
OFFICERS = (  # the second logged in last: listed first on the lock screen
    (KnownUser("cb.hoanhmo", SERVER, "Trần Văn Hùng", "QN-HOANHMO"), "mat-khau-hung"),
    (KnownUser("cb.binhlieu", SERVER, "Nguyễn Thị Lan", "QN-BINHLIEU"), "mat-khau-lan"),
)
SIZE = (1366, 768)


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise SystemExit("Xvfb is not installed (apt-get install xvfb)")
    for number in range(99, 140):
        if Path(f"/tmp/.X{number}-lock").exists():  # noqa: S108 (the X server's own path)
            continue
        display = f":{number}"
        screen = f"{SIZE[0]}x{SIZE[1]}x24"
        proc = subprocess.Popen(
            [xvfb, display, "-screen", "0", screen, "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if Path(f"/tmp/.X11-unix/X{number}").exists():  # noqa: S108
                return proc, display
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.kill()
        proc.wait()
    raise SystemExit("could not start Xvfb")


def parent(out: Path, only: list[str]) -> int:
    out.mkdir(parents=True, exist_ok=True)
    xvfb, display = start_xvfb()
    try:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        env.pop("WAYLAND_DISPLAY", None)
        env["PYTHONPATH"] = str(ROOT)
        argv = [sys.executable, __file__, "--child", "--out", str(out), "--only", ",".join(only)]
        return subprocess.run(argv, env=env, check=False, timeout=300).returncode
    finally:
        xvfb.terminate()
        xvfb.wait()


def child(out: Path, only: list[str]) -> int:
    home = Path(tempfile.mkdtemp(prefix="dxdesk-shots-"))
    paths = Paths.under(home).ensure()
    settings = Settings(language="vi", author="Nguyễn Thị Lan", server_url=SERVER)
    save_settings(settings, paths.settings_file)
    unlocked: UnlockedUser | None = None
    for user, password in OFFICERS:  # as if each had logged in once, online
        unlocked = users.enroll(paths, user, password)
    assert unlocked is not None
    profile = open_profile(paths, settings, user=unlocked)
    seed(profile)
    try:
        shoot(profile, unlocked, out, only)
    finally:
        profile.close()
    try:
        if "unlock" in only:
            shoot_unlock(paths, settings, out)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


def seed(profile: Profile) -> None:
    """The demo tasks, and one report in each state the outbox shows."""
    author = profile.settings.author
    with profile.db.session() as session:
        demo_data.load(session, clock.reference_date(None))
        samples = [
            ("NV-2026-002", 75, "Đã số hoá 1.250/1.800 hồ sơ; còn hồ sơ năm 2019–2020.",
             ReportState.ACCEPTED, None),
            ("NV-2026-007", 40, "Đã cài đặt phần mềm cho 12/20 cán bộ.",
             ReportState.RETURNED, "Đề nghị bổ sung danh sách cán bộ và biên bản bàn giao."),
            ("NV-2026-018", 65, "Đã kiểm tra 3/5 đơn vị.", ReportState.QUEUED, None),
            ("NV-2026-003", 80, "Đang hoàn thiện quy trình", ReportState.DRAFT, None),
        ]  # fmt: skip
        for code, progress, text, state, comment in samples:
            task = reports.find_task(session, code)
            content = reports.ReportContent(progress=progress, results=text,
                                            difficulties="Mất điện kéo dài 3 ngày.")  # fmt: skip
            draft = reports.create_draft(session, task, content, author)
            if state is not ReportState.DRAFT:
                report = reports.finalize(session, profile.attachments, draft.id)
                report.state = state
                report.review_comment = comment
                session.add(report)
                session.commit()


def settle() -> None:
    for _ in range(5):
        QCoreApplication.processEvents()
        QTest.qWait(60)


def grab(widget: QWidget, out: Path, name: str) -> None:
    settle()
    screen = QGuiApplication.primaryScreen()
    geometry = widget.frameGeometry()
    x, y, width, height = geometry.x(), geometry.y(), geometry.width(), geometry.height()
    image = screen.grabWindow(0, x, y, width, height)
    path = out / f"{name}.png"
    image.save(str(path))
    print(path)


def shoot_unlock(paths: Paths, settings: Settings, out: Path) -> None:
    """The lock screen of a PC two officers share, after a mistyped password."""
    translations = Translations(application(), paths.cache)
    translations.use("vi")
    unlocker = Unlocker(paths, settings, Tokens(MemoryTokenStore()))
    screen = UnlockScreen(unlocker, InlineRunner())
    screen.present()
    screen.setGeometry(0, 0, *SIZE)
    screen.show()
    QTest.qWaitForWindowExposed(screen)
    screen.password.setText("sai-mat-khau")
    screen.unlock()  # refused, and said so in Vietnamese
    screen.password.setText("••••••••")
    grab(screen, out, "unlock")
    screen.close()
    translations.uninstall()


def shoot(profile: Profile, unlocked: UnlockedUser, out: Path, only: list[str]) -> None:
    desktop = build(profile, MemoryTokenStore(), InlineRunner(), unlocked=unlocked,
                    start_sync=False)  # fmt: skip
    window = desktop.window
    window.setGeometry(0, 0, *SIZE)
    window.show()
    QTest.qWaitForWindowExposed(window)

    window.select_task("NV-2026-007")
    if "main" in only:
        grab(window, out, "main")
    if "editor" in only:
        window.select_task("NV-2026-003")
        window.open_report(window.detail.draft_id or "")
        editor = window.editor
        assert editor is not None
        editor.resize(760, 680)
        editor.move(300, 40)
        QTest.qWaitForWindowExposed(editor)
        editor.results.setFocus()
        editor.save_now()
        grab(editor, out, "editor")
        editor.close()
    if "dashboard" in only:
        window.tabs.setCurrentWidget(window.dashboard)
        grab(window, out, "dashboard")
    if "outbox" in only:
        window.tabs.setCurrentWidget(window.outbox)
        window.outbox.show_accepted.setChecked(True)
        grab(window, out, "outbox")
    if "login" in only:
        window.tabs.setCurrentWidget(window.tasks_tab)
        url = profile.settings.server_url
        dialog = LoginDialog(desktop.controller, url, "cb.binhlieu", window)
        dialog.show()
        dialog.move(430, 240)
        QTest.qWaitForWindowExposed(dialog)
        dialog.password.setText("••••••••")
        dialog.show_message(QCoreApplication.translate("failures", "Wrong user name or password."))
        grab(dialog, out, "login")
        dialog.reject()
    desktop.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", default=",".join(SHOTS))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    only = [name for name in args.only.split(",") if name]
    return child(args.out, only) if args.child else parent(args.out, only)


if __name__ == "__main__":
    sys.exit(main())
