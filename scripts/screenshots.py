"""Screenshots of the real window in Vietnamese, under Xvfb, into docs/screenshots/.

    uv run python scripts/screenshots.py [--out DIR] [--only main,editor,...]

For each screen size, starts ``Xvfb`` on a free display and runs itself as a
child on it with Qt's xcb platform: a temporary home where two officers have
logged in, one of them with the demo tasks and a few reports in every state, the
main window, the lock screen, and each screen grabbed from the X server.

``updates``: the status bar's update states and the restart question, in
Vietnamese and English (``statusbar-update-vi.png``, ``update-restart-en.png`` …),
and the outbox in English (``outbox-en.png``); the seed's withdrawn task shows ⊘
in the outbox.

Sizes: 1366×768, the commonest commune PC screen (``main.png`` …), and a 1024×600
netbook (``main-1024.png`` …), where a title bar and a taskbar leave 1024×540:
windows get that much room, the way ``ui.screen_fit`` sizes them there.
Rerunnable: each run overwrites the pictures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QPoint
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from dxdesk import clock, demo_data, reports
from dxdesk.identity import users
from dxdesk.identity.credentials import MemoryTokenStore
from dxdesk.identity.users import KnownUser, UnlockedUser
from dxdesk.messages import Message
from dxdesk.paths import Paths
from dxdesk.profile import Profile, open_profile
from dxdesk.settings import Settings
from dxdesk.settings import save as save_settings
from dxdesk.store.models import ReportState, TaskRemoval
from sync.session import ClientSession
from sync.update_status import UpdateStatus
from ui.app import application
from ui.background_jobs import InlineRunner
from ui.desktop import build
from ui.i18n import Translations
from ui.lock.unlock_screen import UnlockScreen
from ui.lock.unlocking import Unlocker
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.token_access import Tokens

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ("main", "editor", "dashboard", "outbox", "login", "unlock", "updates")
SERVER = "https://dx.quangninh.gov.vn"
OFFICERS = (  # the second logged in last: listed first on the lock screen
    (KnownUser("cb.hoanhmo", SERVER, "Trần Văn Hùng", "QN-HOANHMO"), "mat-khau-hung"),
    (KnownUser("cb.binhlieu", SERVER, "Nguyễn Thị Lan", "QN-BINHLIEU"), "mat-khau-lan"),
)
# (screen, room a window gets on it, file name suffix)
SIZES = (((1366, 768), (1366, 768), ""), ((1024, 600), (1024, 540), "-1024"))


def start_xvfb(size: tuple[int, int]) -> tuple[subprocess.Popen[bytes], str]:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise SystemExit("Xvfb is not installed (apt-get install xvfb)")
    for number in range(99, 140):
        if Path(f"/tmp/.X{number}-lock").exists():  # noqa: S108 (the X server's own path)
            continue
        display = f":{number}"
        screen = f"{size[0]}x{size[1]}x24"
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
    for screen, room, suffix in SIZES:
        xvfb, display = start_xvfb(screen)
        try:
            env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
            env.pop("WAYLAND_DISPLAY", None)
            env["PYTHONPATH"] = str(ROOT)
            argv = [sys.executable, __file__, "--child", "--out", str(out),
                    "--only", ",".join(only), "--room", f"{room[0]}x{room[1]}",
                    "--suffix", suffix]  # fmt: skip
            code = subprocess.run(argv, env=env, check=False, timeout=300).returncode
        finally:
            xvfb.terminate()
            xvfb.wait()
        if code:
            return code
    return 0


def child(out: Path, only: list[str], shot: Shot) -> int:
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
        shoot(profile, unlocked, shot, only)
    finally:
        profile.close()
    try:
        if "unlock" in only:
            shoot_unlock(paths, settings, shot)
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
        # Withdrawn by the province after the report was queued: hidden from the task
        # list, the report kept (and still sendable), the outbox says why (⊘).
        task = reports.find_task(session, "NV-2026-018")
        task.removed_at = clock.utcnow()
        task.removed_why = TaskRemoval.WITHDRAWN
        task.removed_reason = "Gộp vào nhiệm vụ NV-2026-020 theo Quyết định 125/QĐ-UBND."
        session.add(task)
        session.commit()


def settle() -> None:
    for _ in range(5):
        QCoreApplication.processEvents()
        QTest.qWait(60)


@dataclass(frozen=True)
class Shot:
    """Where pictures go, the room a window gets, and the names' suffix."""

    out: Path
    room: tuple[int, int]
    suffix: str


def grab(widget: QWidget, shot: Shot, name: str) -> None:
    settle()
    screen = QGuiApplication.primaryScreen()
    geometry = widget.frameGeometry()
    x, y, width, height = geometry.x(), geometry.y(), geometry.width(), geometry.height()
    image = screen.grabWindow(0, x, y, width, height)
    path = shot.out / f"{name}{shot.suffix}.png"
    image.save(str(path))
    print(path)


def strip(widget: QWidget) -> QPixmap:
    """``widget`` as the X server shows it (its decorations included)."""
    settle()
    corner = widget.mapToGlobal(QPoint(0, 0))
    screen = QGuiApplication.primaryScreen()
    return screen.grabWindow(0, corner.x(), corner.y(), widget.width(), widget.height())


def stacked(pictures: list[QPixmap], path: Path) -> None:
    """The pictures one under the other, a grey line between them."""
    width = max(p.width() for p in pictures)
    height = sum(p.height() + 2 for p in pictures)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(0x808080)
    painter = QPainter(image)
    y = 0
    for picture in pictures:
        painter.drawPixmap(0, y, picture)
        y += picture.height() + 2
    painter.end()
    image.save(str(path))
    print(path)


UPDATE_STATES = (  # what a sync round may leave behind, in order
    UpdateStatus("available", "0.3.0", 0, 47_100_000),
    UpdateStatus("downloading", "0.3.0", 19_800_000, 47_100_000),
    UpdateStatus("ready", "0.3.0", 47_100_000, 47_100_000),
    UpdateStatus("failed", "0.3.0", problem="the new version stopped at start (exit code 127)"),
)


def shoot_updates(window: MainWindow, shot: Shot) -> None:
    """The status bar's word on an update in each state, then installed and waiting
    for the restart; and the restart question. In Vietnamese and English."""
    button = window.update_button
    for language in ("vi", "en"):
        window.set_language(language)
        strips = []
        for state in UPDATE_STATES:
            button.installed, button.status = "", state
            button.retranslate()
            button.show()
            strips.append(strip(window.statusBar()))
        button.installed = "0.3.0"
        button.retranslate()
        strips.append(strip(window.statusBar()))
        # The most crowded bar: the longest connectivity words and a last sync
        # beside the longest update words (tests/ui/test_fit.py checks it fits).
        button.installed, button.status = "", UPDATE_STATES[1]
        button.retranslate()
        saved = (window.connectivity_label.text(), window.last_sync_label.text())
        window.connectivity_label.setText(Message("state_server_unreachable").text(language))
        window.last_sync_label.setText(window.tr("Last sync %1").replace("%1", "02/12/2026 07:30"))
        strips.append(strip(window.statusBar()))
        window.connectivity_label.setText(saved[0])
        window.last_sync_label.setText(saved[1])
        stacked(strips, shot.out / f"statusbar-update-{language}{shot.suffix}.png")
        button.installed = "0.3.0"
        button._offer_restart(button.tr("Update dxdesk"))
        box = button.restart_box
        assert box is not None
        QTest.qWaitForWindowExposed(box)
        grab(box, shot, f"update-restart-{language}")
        box.done(0)
        if language == "en":
            button.installed, button.status = "", UpdateStatus("none")
            button.hide()
            window.tabs.setCurrentWidget(window.outbox)
            grab(window, shot, "outbox-en")
    button.installed, button.status = "", UpdateStatus("none")
    button.hide()
    window.set_language("vi")


def shoot_unlock(paths: Paths, settings: Settings, shot: Shot) -> None:
    """The lock screen of a PC two officers share, after a mistyped password."""
    translations = Translations(application(), paths.cache)
    translations.use("vi")
    unlocker = Unlocker(paths, settings, Tokens(MemoryTokenStore()))
    screen = UnlockScreen(unlocker, InlineRunner())
    screen.present()
    screen.setGeometry(0, 0, *shot.room)
    screen.show()
    QTest.qWaitForWindowExposed(screen)
    screen.password.setText("sai-mat-khau")
    screen.unlock()  # refused, and said so in Vietnamese
    screen.password.setText("••••••••")
    grab(screen, shot, "unlock")
    screen.close()
    translations.uninstall()


def shoot(profile: Profile, unlocked: UnlockedUser, shot: Shot, only: list[str]) -> None:
    desktop = build(ClientSession(profile, MemoryTokenStore(), unlocked=unlocked),
                    InlineRunner(), start_sync=False)  # fmt: skip
    window = desktop.window
    window.setGeometry(0, 0, *shot.room)
    window.show()
    QTest.qWaitForWindowExposed(window)

    window.select_task("NV-2026-007")
    if "main" in only:
        grab(window, shot, "main")
    if "editor" in only:
        window.select_task("NV-2026-003")
        window.open_report(window.detail.draft_id or "")
        editor = window.editor
        assert editor is not None
        # As ui.screen_fit sizes it: its wish, within the room.
        editor.resize(min(760, shot.room[0]), min(680, shot.room[1]))
        editor.move((shot.room[0] - editor.width()) // 2, (shot.room[1] - editor.height()) // 2)
        QTest.qWaitForWindowExposed(editor)
        editor.results.setFocus()
        editor.save_now()
        grab(editor, shot, "editor")
        editor.close()
    if "dashboard" in only:
        window.tabs.setCurrentWidget(window.dashboard)
        grab(window, shot, "dashboard")
    if "outbox" in only:
        window.tabs.setCurrentWidget(window.outbox)
        window.outbox.show_accepted.setChecked(True)
        grab(window, shot, "outbox")
    if "updates" in only:
        shoot_updates(window, shot)
    if "login" in only:
        window.tabs.setCurrentWidget(window.tasks_tab)
        url = profile.settings.server_url
        dialog = LoginDialog(desktop.controller, url, "cb.binhlieu", window)
        dialog.show()
        dialog.move((shot.room[0] - dialog.width()) // 2, (shot.room[1] - dialog.height()) // 3)
        QTest.qWaitForWindowExposed(dialog)
        dialog.password.setText("••••••••")
        dialog.show_message(Message("wrong_credentials").text("vi"))  # as a refused login says
        grab(dialog, shot, "login")
        dialog.reject()
    desktop.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", default=",".join(SHOTS))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--room", default="1366x768", help=argparse.SUPPRESS)
    parser.add_argument("--suffix", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    only = [name for name in args.only.split(",") if name]
    if not args.child:
        return parent(args.out, only)
    width, _, height = args.room.partition("x")
    return child(args.out, only, Shot(args.out, (int(width), int(height)), args.suffix))


if __name__ == "__main__":
    sys.exit(main())
